using RemoteCache.Core.Chunking;
using RemoteCache.Core.Entries;
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
        var copy = Path.Combine(ws.Root, "copy");
        CopyTree(ws.Source, copy);

        var builds = await Task.WhenAll(new[] { ws.Source, copy }.Select(folder => Task.Run(() => ws.BuildIn(folder))));

        foreach (var build in builds)
        {
            Assert.True(build.Succeeded, build.Describe());
            Assert.Equal(SampleSolution.Projects.Length, build.CompileResults.Count);
        }
        AssertConsistent(ws.CacheDir);
        var expected = OutputSnapshot.Take(ws.Source);

        ws.Clean();
        var again = ws.Build();
        Assert.True(again.Succeeded, again.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("hit-local", again.CompileResults.GetValueOrDefault(p)));
        OutputSnapshot.AssertIdentical(expected, OutputSnapshot.Take(ws.Source));
    }

    /// <summary>Every entry parses and every chunk it names is present and matches its digest; no temp file is left.</summary>
    private static void AssertConsistent(string cacheDir)
    {
        var store = new LocalDiskStore(cacheDir);
        var entries = Directory.GetFiles(Path.Combine(store.Root, "entries"), "*.json", SearchOption.AllDirectories);
        Assert.Equal(SampleSolution.Projects.Length, entries.Length);
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

    private static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }
}
