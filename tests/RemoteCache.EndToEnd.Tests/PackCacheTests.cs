using System.Security.Cryptography;
using RemoteCache.Core.Entries;
using RemoteCache.Core.Summary;
using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>
/// Pack caching with real `dotnet pack` of the sample solution (three packages with symbol packages). NuGet's pack in
/// SDK 10 stamps every zip entry with the current time unless GenerateNuspec gets a DeterministicTimestamp, which it
/// takes from the SOURCE_DATE_EPOCH property (or environment variable); with it, packing the same inputs twice gives
/// the same bytes, so a restored package can be compared with what pack writes.
/// </summary>
public sealed class PackCacheTests
{
    [Fact]
    public void UnchangedPackIsRestoredByteIdenticalAndVersionFileOrDescriptionChangesMiss()
    {
        using var ws = new Workspace("pack");
        SampleSolution.Create(ws);
        // A packed file of Lib's own, beside its build output.
        ws.Write("Lib/notes.txt", "notes v1");
        SampleSolution.Replace(ws, "Lib/Lib.csproj", "<AdditionalFiles Include=\"data.txt\" />",
            "<AdditionalFiles Include=\"data.txt\" />\n    <None Include=\"notes.txt\" Pack=\"true\" PackagePath=\"docs/\" />");
        ws.Environment["SOURCE_DATE_EPOCH"] = "1700000000";
        var compiler = new CompilerWrapper(Path.Combine(ws.Root, "compiler"));
        string[] symbols = ["-p:IncludeSymbols=true", "-p:SymbolPackageFormat=snupkg", .. compiler.Arguments];

        var first = ws.Pack(symbols);
        Assert.True(first.Succeeded, first.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("miss", first.PackResults.GetValueOrDefault(p)));
        var packed = PackageFiles(ws.Source);
        // .nupkg, .snupkg and the two generated .nuspec files of each project.
        Assert.Equal(4 * SampleSolution.Projects.Length, packed.Count);

        ws.Clean();
        compiler.FailIn(ws);
        var restored = ws.Pack(symbols);

        Assert.True(restored.Succeeded, restored.Describe());
        Assert.False(compiler.WasInvoked);
        Assert.All(SampleSolution.Projects, p => Assert.Equal("hit-local", restored.PackResults.GetValueOrDefault(p)));
        Assert.Contains("Lib pack restored from local cache", restored.Output);
        Assert.Equal(packed, PackageFiles(ws.Source));
        // The build's one summary line counts what the summary file recorded, packs included.
        Assert.Equal([BuildSummary.Format(restored.Summary)!], restored.SummaryLines);
        Assert.StartsWith("RemoteCache: 3 of 3 compiles restored (3 local), 0 built; 3 of 3 packs restored (3 local), 0 built;", restored.SummaryLines[0]);
        compiler.CompileIn(ws);

        // A packed file changes: Lib's package misses, its compile still hits. Meanwhile Util's pack entry has gone
        // bad on disk: one warning, Util packs normally and writes the very bytes it wrote the first time.
        ws.Write("Lib/notes.txt", "notes v2");
        CorruptChunksOf(ws, first.Summary.Single(r => r.Project == "Util" && r.Step == "pack").Fingerprint);
        var fileChanged = CleanPack(ws, symbols);
        Assert.Equal("miss", fileChanged.PackResults["Lib"]);
        Assert.Equal("hit-local", fileChanged.CompileResults["Lib"]);
        Assert.Equal("miss", fileChanged.PackResults["Util"]);
        Assert.Single(fileChanged.Warnings("RCACHE002"));
        Assert.Equal(packed.Where(f => f.Key.StartsWith("Util", StringComparison.Ordinal)), PackageFiles(ws.Source).Where(f => f.Key.StartsWith("Util", StringComparison.Ordinal)));

        // The description reaches only the package.
        SampleSolution.Replace(ws, "Lib/Lib.csproj", "<GenerateDocumentationFile>", "<PackageDescription>Greets.</PackageDescription>\n    <GenerateDocumentationFile>");
        var described = CleanPack(ws, symbols);
        Assert.Equal("miss", described.PackResults["Lib"]);
        Assert.Equal("hit-local", described.CompileResults["Lib"]);

        // So does the package version; App's package depends on Lib's version, so it misses too.
        SampleSolution.Replace(ws, "Lib/Lib.csproj", "<PackageDescription>", "<PackageVersion>2.0.0</PackageVersion>\n    <PackageDescription>");
        var versioned = CleanPack(ws, symbols);
        Assert.Equal("miss", versioned.PackResults["Lib"]);
        Assert.Equal("miss", versioned.PackResults["App"]);
        Assert.Equal("hit-local", versioned.PackResults["Util"]);
        Assert.True(File.Exists(ws.PathOf("Lib/bin/Release/Lib.2.0.0.nupkg")));
    }

    private static BuildResult CleanPack(Workspace ws, string[] arguments)
    {
        ws.Clean();
        var result = ws.Pack(arguments);
        Assert.True(result.Succeeded, result.Describe());
        return result;
    }

    private static void CorruptChunksOf(Workspace ws, string fingerprint)
    {
        var entry = EntryManifest.Parse(File.ReadAllBytes(Path.Combine(ws.CacheDir, "v1", "entries", fingerprint[..2], fingerprint + ".json")), fingerprint);
        foreach (var digest in entry.Files.SelectMany(f => f.Chunks).Select(c => c.Digest).Distinct())
        {
            var chunk = Path.Combine(ws.CacheDir, "v1", "chunks", digest[..2], digest + ".zst");
            var bytes = File.ReadAllBytes(chunk);
            bytes[bytes.Length / 2] ^= 0x5A;
            File.WriteAllBytes(chunk, bytes);
        }
    }

    /// <summary>Digests of every package and generated nuspec under the tree, by relative path.</summary>
    private static SortedDictionary<string, string> PackageFiles(string root)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(root, "*", SearchOption.AllDirectories)
                     .Where(f => f.EndsWith(".nupkg", StringComparison.Ordinal) || f.EndsWith(".snupkg", StringComparison.Ordinal) || f.EndsWith(".nuspec", StringComparison.Ordinal)))
        {
            files[Path.GetRelativePath(root, file)] = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));
        }
        return files;
    }
}
