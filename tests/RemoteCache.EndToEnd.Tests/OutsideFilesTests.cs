using RemoteCache.Core.Entries;
using RemoteCache.Core.Storage;
using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>
/// Issue 23, items 1, 2 and 5: what the SDK deletes or keeps on its own (old build journals in the temp folder,
/// evicted cache files, prefetched chunks) is only ever its own, inside folders nobody else can have planted, and the
/// local tier stays under its size cap whichever way its files arrived.
/// </summary>
public sealed class OutsideFilesTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>A file another user's plant points the journal pruning at: old enough to be pruned, and never ours to delete.</summary>
    private static string OldVictim(string folder)
    {
        Directory.CreateDirectory(folder);
        var victim = Path.Combine(folder, "precious.jsonl");
        File.WriteAllText(victim, "not a journal");
        File.SetLastWriteTimeUtc(victim, DateTime.UtcNow.AddDays(-30));
        return victim;
    }

    /// <summary>The per-user folder of the journals under a temp folder (as JournalScope names it).</summary>
    private static string UserFolder(string temp) =>
        Path.Combine(temp, "remotecache-" + new string(Environment.UserName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray()));

    /// <summary>A one-library tree whose builds use their own temp folder (TMPDIR), where the journals live.</summary>
    private static (Workspace Ws, string Temp) TreeWithOwnTemp(string name)
    {
        var ws = new Workspace(name);
        SampleSolution.CreateLibraries(ws, "One.slnx", [("One", "")]);
        var temp = Path.Combine(ws.Root, "t");
        Directory.CreateDirectory(temp);
        ws.Environment["TMPDIR"] = temp;
        return (ws, temp);
    }

    [Theory]
    [InlineData("builds-is-a-link")]
    [InlineData("user-folder-is-a-link")]
    [InlineData("user-folder-of-another-user")]
    [InlineData("user-folder-writable-by-others")]
    public void APlantedJournalFolderIsRefusedAndNothingThereIsDeleted(string plant)
    {
        var (ws, temp) = TreeWithOwnTemp("journal-" + plant);
        using var _ = ws;
        var user = UserFolder(temp);
        var outside = Path.Combine(ws.Root, "outside");
        string victim, refused;
        switch (plant)
        {
            case "builds-is-a-link":
                Directory.CreateDirectory(user, Private);
                victim = OldVictim(outside);
                Directory.CreateSymbolicLink(Path.Combine(user, "builds"), outside);
                refused = Path.Combine(user, "builds");
                break;
            case "user-folder-is-a-link":
                victim = OldVictim(Path.Combine(outside, "builds"));
                Directory.CreateSymbolicLink(user, outside);
                refused = user;
                break;
            case "user-folder-of-another-user":
                victim = OldVictim(Path.Combine(user, "builds"));
                File.SetUnixFileMode(user, Private);
                var chown = ProcessRunner.Run("chown", ["-R", "65534:65534", user], ws.Root);
                Assert.True(chown.ExitCode == 0, chown.Output);
                refused = user;
                break;
            default:
                victim = OldVictim(Path.Combine(user, "builds"));
                File.SetUnixFileMode(user, Private | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
                File.SetUnixFileMode(Path.Combine(user, "builds"), Private);
                refused = user;
                break;
        }

        var build = ws.Build();

        Assert.True(build.Succeeded, build.Describe());
        Assert.True(File.Exists(victim), "the planted folder's old file was deleted\n" + build.Describe());
        var warnings = build.Warnings("RCACHE016");
        Assert.NotEmpty(warnings);
        Assert.All(warnings, w => Assert.Contains($"'{refused}'", w));
        // Nothing was written there either: no journal, so no summary line.
        var planted = Directory.Exists(outside) ? outside : user;
        Assert.DoesNotContain(Directory.GetFiles(planted, "*.jsonl*", SearchOption.AllDirectories), f => f != victim);
        Assert.Empty(build.SummaryLines);
        // The cache itself worked as usual.
        Assert.Equal("miss", build.CompileResults.GetValueOrDefault("One"));
    }

    [Fact]
    public void TheJournalFolderIsMadePrivateAndPruningGoesThroughNoLink()
    {
        var (ws, temp) = TreeWithOwnTemp("journal-private");
        using var _ = ws;
        var user = UserFolder(temp);
        var builds = Path.Combine(user, "builds");

        var first = ws.Build();

        Assert.True(first.Succeeded, first.Describe());
        Assert.Single(first.SummaryLines);
        Assert.Equal(Private, File.GetUnixFileMode(user));
        Assert.Equal(Private, File.GetUnixFileMode(builds));

        // An old journal of ours goes; a link to an old file elsewhere is neither followed nor is its target deleted.
        var stale = Path.Combine(builds, "0123456789abcdef0123456789abcdef.jsonl");
        File.WriteAllText(stale, "{}\n");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddDays(-8));
        var victim = OldVictim(Path.Combine(ws.Root, "outside"));
        File.CreateSymbolicLink(Path.Combine(builds, "fedcba9876543210fedcba9876543210.jsonl"), victim);
        ws.Clean();

        var second = ws.Build();

        Assert.True(second.Succeeded, second.Describe());
        Assert.Single(second.SummaryLines);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(victim));
        Assert.Empty(second.Warnings("RCACHE016"));
    }

    [Fact]
    public void EvictionDeletesOnlyTheCachesOwnFilesAndFollowsNoLink()
    {
        using var ws = new Workspace("evict-links");
        SampleSolution.CreateLibraries(ws, "Libs.slnx", new[] { "A", "B", "C" }.Select(p => (p, "")));
        var first = ws.Build();
        Assert.True(first.Succeeded, first.Describe());
        var store = new LocalDiskStore(ws.CacheDir);
        var full = store.Size();

        // Planted in the cache folder: a chunk shard that is a link to a folder of the user's files (old and large, so
        // first in line for eviction), and a file the cache never writes.
        var outside = Path.Combine(ws.Root, "outside");
        Directory.CreateDirectory(outside);
        var victim = Path.Combine(outside, "precious.bin");
        File.WriteAllBytes(victim, new byte[full]);
        File.SetLastWriteTimeUtc(victim, DateTime.UtcNow.AddDays(-30));
        var chunks = Path.Combine(ws.CacheDir, "v1", "chunks");
        var shard = Enumerable.Range(0, 256).Select(i => i.ToString("x2")).First(s => !Directory.Exists(Path.Combine(chunks, s)));
        Directory.CreateSymbolicLink(Path.Combine(chunks, shard), outside);
        var existingShard = Directory.GetDirectories(chunks).First(d => !File.GetAttributes(d).HasFlag(FileAttributes.ReparsePoint));
        var foreign = Path.Combine(existingShard, "notes.txt");
        File.WriteAllBytes(foreign, new byte[1000]);
        File.SetLastWriteTimeUtc(foreign, DateTime.UtcNow.AddDays(-30));

        // Room for about two of the three projects: the saves after this change must evict.
        var limit = full * 2 / 3;
        SampleSolution.Replace(ws, "A/Code.cs", "\"v1\"", "\"v2\"");
        SampleSolution.Replace(ws, "B/Code.cs", "\"v1\"", "\"v2\"");
        ws.Clean();
        var build = ws.Build($"-p:CacheLocalSizeLimit={limit}");

        Assert.True(build.Succeeded, build.Describe());
        Assert.True(File.Exists(victim), "eviction deleted a file through a link\n" + build.Describe());
        Assert.True(File.Exists(foreign), "eviction deleted a file the cache never writes");
        Assert.True(Directory.Exists(Path.Combine(chunks, shard)));
        Assert.InRange(store.Size(), 1, limit);
        var warnings = build.Warnings("RCACHE017");
        Assert.NotEmpty(warnings);
        Assert.Contains(Path.Combine(chunks, shard), warnings[0]);
    }

    [Fact]
    public void RemoteHitsKeepTheLocalTierUnderItsSizeLimit()
    {
        using var ws = new Workspace("remote-fill-cap");
        SampleSolution.CreateLibraries(ws, "Libs.slnx", Enumerable.Range(1, 6).Select(i => ($"L{i}", "")));
        var remote = RemoteBackend.Create("file", ws);
        var args = remote.Use(ws);
        var machineA = ws.Build(args);
        Assert.True(machineA.Succeeded, machineA.Describe());
        var remoteSize = new LocalDiskStore(new Uri(remote.CacheUrl).LocalPath, "file").Size();

        // Machine B: an empty local tier with room for about half of what the remote holds, and only hits.
        ws.CacheDir = Path.Combine(ws.Root, "machine-b");
        ws.Clean();
        var limit = remoteSize / 2;
        var machineB = ws.Build([.. args, $"-p:CacheLocalSizeLimit={limit}"]);

        Assert.True(machineB.Succeeded, machineB.Describe());
        Assert.All(Enumerable.Range(1, 6), i => Assert.Equal("hit-remote", machineB.CompileResults.GetValueOrDefault($"L{i}")));
        Assert.InRange(new LocalDiskStore(ws.CacheDir).Size(), 1, limit);
    }

    [Fact]
    public void PrefetchKeepsNothingOfAnEntryThisBuildMayNotRestore()
    {
        using var ws = new Workspace("prefetch-unsigned");
        SampleSolution.CreateLibraries(ws, "One.slnx", [("One", "")]);
        var remote = RemoteBackend.Create("file", ws);
        var args = remote.Use(ws);
        // Machine A saves unsigned entries (no key).
        var machineA = ws.Build(args);
        Assert.True(machineA.Succeeded, machineA.Describe());

        // Machine B signs and checks signatures: A's entry, the newest in the project's index, may not be restored, so
        // none of its chunks may land in B's local tier. B's source differs, so its own entry has other chunks.
        ws.CacheDir = Path.Combine(ws.Root, "machine-b");
        ws.Clean();
        SampleSolution.Replace(ws, "One/Code.cs", "\"v1\"", "\"v2\"");
        ws.Environment["REMOTECACHE_SIGNING_KEY"] = "0123456789abcdef0123456789abcdef";
        var machineB = ws.Build(args);

        Assert.True(machineB.Succeeded, machineB.Describe());
        Assert.Equal("miss", machineB.CompileResults.GetValueOrDefault("One"));
        var local = new LocalDiskStore(ws.CacheDir);
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in Directory.GetFiles(Path.Combine(local.Root, "entries"), "*.json", SearchOption.AllDirectories))
        {
            try
            {
                var manifest = EntryManifest.ParseStored(File.ReadAllBytes(entry), Path.GetFileNameWithoutExtension(entry));
                named.UnionWith(manifest.Files.SelectMany(f => f.Chunks).Select(c => c.Digest));
            }
            catch (CorruptEntryException)
            {
                // A project index, not an entry.
            }
        }
        Assert.NotEmpty(named);
        var kept = Directory.GetFiles(Path.Combine(local.Root, "chunks"), "*.zst", SearchOption.AllDirectories).Select(Path.GetFileNameWithoutExtension).ToList();
        Assert.All(kept, digest => Assert.Contains(digest!, named));
    }
}
