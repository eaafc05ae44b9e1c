using RemoteCache.Core.Chunking;
using RemoteCache.Core.Entries;
using RemoteCache.Core.Explaining;
using RemoteCache.Core.Storage;
using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>Acceptance 6: builds sharing one CacheLocalDir at the same time both succeed and leave it consistent.</summary>
public sealed class ConcurrencyTests
{
    [Fact]
    public async Task TwoSimultaneousBuildsShareOneCacheFolder()
    {
        using var ws = new Workspace("concurrent");
        SampleSolution.Create(ws);
        // Two clones with deterministic paths have the same fingerprints, so both builds race to write the same entries.
        Git.InitWithRemote(ws.Source);
        var clone = Path.Combine(ws.Root, "clone");
        Git.Clone(ws.Source, clone);
        string[] deterministic = ["-p:ContinuousIntegrationBuild=true"];

        var builds = await Task.WhenAll(new[] { ws.Source, clone }.Select(folder => Task.Run(() => ws.BuildIn(folder, deterministic))));

        foreach (var build in builds)
        {
            Assert.True(build.Succeeded, build.Describe());
            Assert.Equal(SampleSolution.Projects.Length, build.CompileResults.Count);
        }
        AssertConsistent(ws.CacheDir);
        var expected = OutputSnapshot.Take(ws.Source);

        ws.Clean();
        var again = ws.Build(deterministic);
        Assert.True(again.Succeeded, again.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("hit-local", again.CompileResults.GetValueOrDefault(p)));
        OutputSnapshot.AssertIdentical(expected, OutputSnapshot.Take(ws.Source));
    }

    /// <summary>
    /// Every entry parses and every chunk it names is present and matches its digest; each project's index of recent
    /// entries (kept beside them for CacheExplainMisses) is whole too; no temp file is left.
    /// </summary>
    private static void AssertConsistent(string cacheDir)
    {
        var store = new LocalDiskStore(cacheDir);
        var documents = Directory.GetFiles(Path.Combine(store.Root, "entries"), "*.json", SearchOption.AllDirectories);
        var entries = documents.Where(d => ProjectIndex.TryParse(File.ReadAllBytes(d)) is null).ToList();
        Assert.Equal(SampleSolution.Projects.Length, entries.Count);
        Assert.Equal(SampleSolution.Projects.Length, documents.Length - entries.Count);
        foreach (var entry in entries)
        {
            var manifest = EntryManifest.Parse(File.ReadAllBytes(entry), Path.GetFileNameWithoutExtension(entry));
            foreach (var chunk in manifest.Files.SelectMany(f => f.Chunks))
            {
                ChunkCodec.DecompressVerified(File.ReadAllBytes(store.ChunkPath(chunk.Digest)), chunk);
            }
        }
        Assert.Empty(Directory.GetFiles(Path.Combine(store.Root, "tmp")));
    }
}
