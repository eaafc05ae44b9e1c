using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using RemoteCache.Core.Entries;
using RemoteCache.Core.Trust;
using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>
/// Trust, acceptance 2, 3 and 4 on real builds against every backend at once: each backend serves two projects of
/// one solution (one that an untrusted build restores, one it changed and must build), so that two builds cover
/// them all. A trusted build on main pushes signed entries; an untrusted pull-request build (ReadOnly, its own
/// namespace, reading main's) restores, builds what changed, refuses a forged entry, and leaves every store exactly
/// as it was. No credential of any backend, of the lock or the signing key appears in anything the SDK writes.
/// </summary>
public sealed class TrustTests
{
    private static readonly string[] Backends = RemoteBackend.Names;

    [Fact]
    public async Task AnUntrustedBuildChangesNoStoreRefusesForgedEntriesAndNoBuildShowsASecret()
    {
        using var ws = new Workspace("trust");
        var remotes = Backends.ToDictionary(b => b, b => RemoteBackend.Create(b, ws));
        var redisPassword = TestServers.Require("REDIS_PASSWORD");
        var port = TestServers.Require("REDIS_PORT");
        // A store time to live, to see that reads never extend it.
        remotes["redis"] = remotes["redis"] with { CacheUrl = remotes["redis"].CacheUrl + "&ttl=1.00:00:00" };
        var signingKey = "signing-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var lockPrefix = TestServers.Unique();
        CreateSolution(ws);
        Git.InitWithRemote(ws.Source);
        foreach (var remote in remotes.Values) remote.Use(ws);
        ws.Environment[EntrySigner.Variable] = signingKey;
        string[] common =
        [
            "-p:ContinuousIntegrationBuild=true", "-v:n",
            .. remotes.Select(r => $"-p:TrustUrl{Capitalized(r.Key)}={r.Value.CacheUrl}"),
            // A remote that is down, with a credential in its URL: its warning shows the URL, masked.
            $"-p:TrustUrlDown=redis://:{redisPassword}@127.0.0.1:1",
        ];

        // Main: trusted, namespaced, signed, with a Redis lock.
        var main = ws.Build([.. common, "-p:CacheKeyPrefix=repo/main", $"-p:CacheLock=redis://:{redisPassword}@127.0.0.1:{port}?prefix={lockPrefix}",
            $"-bl:{Path.Combine(ws.Root, "main.binlog")}"]);
        Assert.True(main.Succeeded, main.Describe());
        Assert.All(Projects(), p => Assert.Equal("miss", main.CompileResults.GetValueOrDefault(p)));
        foreach (var backend in Backends) Assert.Contains($"saved to cache (local + {backend}: pushed", main.Output);
        var mainOutputs = OutputSnapshot.Take(ws.Source);

        // Someone who can write to the file share replaces one entry with one signed by another key.
        var forged = main.Summary.Single(r => r.Project == "Forged").Fingerprint;
        var share = new Uri(remotes["file"].CacheUrl).LocalPath;
        var forgedPath = Path.Combine(share, "v1", "entries", EntryKeys.For("repo/main", forged)[..2], EntryKeys.For("repo/main", forged) + ".json");
        var genuine = EntryManifest.Parse(File.ReadAllBytes(forgedPath), forged, "repo/main");
        File.WriteAllBytes(forgedPath, new EntrySigner("an-attackers-key-0123456789").Sign(genuine with { Warnings = [] }));
        // The pull request changes the projects it must build.
        foreach (var backend in Backends) SampleSolution.Replace(ws, $"Changed{Capitalized(backend)}/Code.cs", "\"v1\"", "\"v2\"");
        Git.CommitAll(ws.Source, "pull request");
        var before = await ListingsAsync(remotes, lockPrefix);
        var timesToLive = StoreListing.RedisTimesToLive(RedisPrefix(remotes));
        Assert.All(timesToLive.Values, ttl => Assert.True(ttl > 0, "the Redis store's keys have no time to live"));

        // The pull request: another machine, untrusted (ReadOnly), its own namespace reading main's, and a lock user
        // that may do nothing at all, so that any lease it tried to take would be refused and warned about.
        var lockUser = "nothing-" + lockPrefix;
        CreateRedisUser(lockUser, redisPassword, "+@connection");
        var clone = Path.Combine(ws.Root, "pull-request", "clone");
        Directory.CreateDirectory(Path.GetDirectoryName(clone)!);
        Git.Clone(ws.Source, clone);
        ws.CacheDir = Path.Combine(ws.Root, "pull-request", "cache");
        var untrusted = ws.BuildIn(clone, [.. common, "-p:CacheMode=ReadOnly", "-p:CacheKeyPrefix=repo/pr-7", "-p:CacheReadPrefixes=repo/pr-7%3Brepo/main",
            $"-p:CacheLock=redis://{lockUser}:{redisPassword}@127.0.0.1:{port}?prefix={lockPrefix}", $"-bl:{Path.Combine(ws.Root, "untrusted.binlog")}"]);

        Assert.True(untrusted.Succeeded, untrusted.Describe());
        foreach (var backend in Backends)
        {
            Assert.Equal("hit-remote", untrusted.CompileResults.GetValueOrDefault("Same" + Capitalized(backend)));
            Assert.Equal("miss", untrusted.CompileResults.GetValueOrDefault("Changed" + Capitalized(backend)));
        }
        // Restored byte for byte from main's namespace, signatures checked.
        var restored = OutputSnapshot.Take(clone);
        foreach (var file in mainOutputs.Files.Where(f => f.Key.StartsWith("Same", StringComparison.Ordinal))) Assert.Equal(file.Value, restored.Files[file.Key]);
        // The forged entry: not used, one warning, a miss in the summary.
        Assert.Equal("miss", untrusted.CompileResults["Forged"]);
        var refused = Assert.Single(untrusted.Warnings("RCACHE014"));
        Assert.Contains("does not match", refused);
        Assert.Contains(EntrySigner.Variable, refused);
        Assert.Empty(untrusted.Warnings("RCACHE011"));

        // Acceptance 2: every store exactly as before, the lock untouched, nothing local either.
        var after = await ListingsAsync(remotes, lockPrefix);
        foreach (var backend in before.Keys) Assert.True(before[backend].SequenceEqual(after[backend]), $"{backend} changed:\n{Diff(before[backend], after[backend])}");
        Assert.All(StoreListing.RedisTimesToLive(RedisPrefix(remotes)), ttl => Assert.True(ttl.Value <= timesToLive[ttl.Key], $"reading {ttl.Key} extended its time to live"));
        Assert.False(Directory.Exists(ws.CacheDir), "the untrusted build wrote to its local cache folder");

        // Acceptance 4: no secret in any output, summary, cache entry or binary log.
        var secrets = new Dictionary<string, string>
        {
            ["S3 secret key"] = TestServers.Require("AWS_SECRET_ACCESS_KEY"),
            ["Azure account key"] = AccountKey(TestServers.Require("AZURE_STORAGE_CONNECTION_STRING")),
            ["OCI password"] = TestServers.Require("REGISTRY_PASSWORD"),
            ["Redis password (CacheUrl, CacheLock)"] = redisPassword,
            ["signing key"] = signingKey,
        };
        AssertNoSecrets(ws, [main, untrusted], secrets, share);
        Assert.Contains(untrusted.Warnings("RCACHE008").Concat(main.Warnings("RCACHE008")), w => w.Contains("redis://:***@127.0.0.1:1", StringComparison.Ordinal));
    }

    /// <summary>
    /// What the SDK controls holds no secret at all: console output, summary files, cache entries, and every message,
    /// warning and error in the binary logs. Secrets the build gets from the environment are nowhere in the binary
    /// log (MSBuild records only the variables a project reads). A password written in a property (CacheUrl,
    /// CacheLock) is recorded by MSBuild itself, by design, with the command line, properties and task parameters:
    /// only those records may hold it.
    /// </summary>
    private static void AssertNoSecrets(Workspace ws, BuildResult[] builds, Dictionary<string, string> secrets, string share)
    {
        var written = new List<(string Where, string Text)>();
        written.AddRange(builds.Select((b, i) => ($"console output of build {i + 1}", b.Output)));
        written.AddRange(Directory.GetFiles(ws.Root, "summary-*.jsonl").Select(f => (f, File.ReadAllText(f))));
        foreach (var folder in new[] { Path.Combine(ws.Root, "cache"), share })
        {
            written.AddRange(Directory.GetFiles(folder, "*.json", SearchOption.AllDirectories).Select(f => (f, File.ReadAllText(f))));
        }
        var propertyOnly = secrets["Redis password (CacheUrl, CacheLock)"];
        foreach (var binlog in Directory.GetFiles(ws.Root, "*.binlog"))
        {
            using (var gzip = new GZipStream(File.OpenRead(binlog), CompressionMode.Decompress))
            using (var raw = new MemoryStream())
            {
                gzip.CopyTo(raw);
                var bytes = raw.ToArray();
                Assert.True(bytes.Length > 10_000, $"{binlog} is suspiciously small");
                foreach (var (name, secret) in secrets.Where(s => s.Value != propertyOnly))
                {
                    Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, $"the {name} is in {binlog}");
                }
            }
            var replay = ReplayAsText(binlog, ws);
            Assert.Contains("RemoteCache:", replay);
            foreach (var line in replay.Split('\n').Where(l => l.Contains(propertyOnly, StringComparison.Ordinal)))
            {
                Assert.True(IsMSBuildRecordOfASetting(line), $"the Redis password is in this line of {binlog}: {line.Trim()}");
            }
            written.Add(($"{binlog} (replayed)", string.Join('\n', replay.Split('\n').Where(l => !IsMSBuildRecordOfASetting(l)))));
        }
        foreach (var (where, text) in written)
        {
            foreach (var (name, secret) in secrets) Assert.False(text.Contains(secret, StringComparison.Ordinal), $"the {name} is in {where}");
        }
    }

    /// <summary>MSBuild's own record of the command line, a property value or a task parameter (at diagnostic verbosity).</summary>
    private static bool IsMSBuildRecordOfASetting(string line)
    {
        var text = line.Trim();
        return text.StartsWith("Command line arguments = ", StringComparison.Ordinal)
            || text.StartsWith("Task Parameter:Cache", StringComparison.Ordinal)
            || text.StartsWith("CacheUrl = ", StringComparison.Ordinal)
            || text.StartsWith("CacheLock = ", StringComparison.Ordinal)
            || text.StartsWith("TrustUrl", StringComparison.Ordinal)
            || text.StartsWith("Property reassignment: $(CacheUrl)", StringComparison.Ordinal);
    }

    private static string ReplayAsText(string binlog, Workspace ws)
    {
        var text = Path.ChangeExtension(binlog, ".log");
        var result = ProcessRunner.Run("dotnet", ["msbuild", binlog, "-nologo", "-noconlog", $"-flp:logfile={text};verbosity=diagnostic"], ws.Root, DotnetEnvironment.Variables);
        Assert.True(result.ExitCode == 0, result.Output);
        return File.ReadAllText(text);
    }

    private static async Task<Dictionary<string, IReadOnlyList<string>>> ListingsAsync(Dictionary<string, RemoteBackend> remotes, string lockPrefix)
    {
        var listings = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var (name, remote) in remotes)
        {
            listings[name] = await StoreListing.TakeAsync(remote);
            Assert.True(listings[name].Count > 4, $"{name} holds almost nothing: the listing proves nothing");
        }
        listings["lock"] = StoreListing.Redis(lockPrefix);
        return listings;
    }

    /// <summary>
    /// Per backend, a project that the pull request leaves alone (restored) and one it changes (built); a project whose
    /// entry gets forged; one whose remote is down. Each takes its CacheUrl from a TrustUrl… property.
    /// </summary>
    private static void CreateSolution(Workspace ws)
    {
        var urls = string.Concat(Backends.Select(b => $"""
                <CacheUrl Condition="'$(MSBuildProjectName)' == 'Same{Capitalized(b)}' or '$(MSBuildProjectName)' == 'Changed{Capitalized(b)}'">$(TrustUrl{Capitalized(b)})</CacheUrl>

            """));
        ws.Write("Directory.Build.props", $"""
            <Project>
              <PropertyGroup>
            {urls}    <CacheUrl Condition="'$(MSBuildProjectName)' == 'Forged'">$(TrustUrlFile)</CacheUrl>
                <CacheUrl Condition="'$(MSBuildProjectName)' == 'Down'">$(TrustUrlDown)</CacheUrl>
              </PropertyGroup>
            </Project>
            """);
        SampleSolution.CreateLibraries(ws, "Trust.slnx", Projects().Select(p => (p, "")));
    }

    private static IEnumerable<string> Projects() =>
        Backends.SelectMany(b => new[] { "Same" + Capitalized(b), "Changed" + Capitalized(b) }).Append("Forged").Append("Down");

    private static string Capitalized(string name) => char.ToUpperInvariant(name[0]) + name[1..];

    private static string RedisPrefix(Dictionary<string, RemoteBackend> remotes) =>
        RemoteCache.Core.Remote.CacheUrl.Parse(remotes["redis"].CacheUrl).QueryValue("prefix")!;

    private static void CreateRedisUser(string user, string password, params string[] permissions)
    {
        using var admin = StackExchange.Redis.ConnectionMultiplexer.Connect($"127.0.0.1:{TestServers.Require("REDIS_PORT")},password={TestServers.Require("REDIS_PASSWORD")}");
        admin.GetServer("127.0.0.1", int.Parse(TestServers.Require("REDIS_PORT"))).Execute("ACL", ["SETUSER", user, "on", ">" + password, .. permissions]);
    }

    private static string AccountKey(string connectionString) =>
        connectionString.Split(';').Single(p => p.StartsWith("AccountKey=", StringComparison.Ordinal))["AccountKey=".Length..];

    private static string Diff(IReadOnlyList<string> before, IReadOnlyList<string> after) =>
        "removed or changed:\n  " + string.Join("\n  ", before.Except(after)) + "\nadded or changed:\n  " + string.Join("\n  ", after.Except(before));
}
