using System.Security.Cryptography;
using Xunit;

namespace RemoteCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The digests of everything a build wrote that the compile cache is responsible for: every file under bin/ and
/// the compiler's outputs under obj/ (assemblies, reference assemblies, PDBs, documentation). MSBuild's own
/// bookkeeping under obj/ (caches, assets files) is not an output of the compile.
/// </summary>
public sealed class OutputSnapshot
{
    private OutputSnapshot(SortedDictionary<string, string> files) => Files = files;

    public SortedDictionary<string, string> Files { get; }

    public static OutputSnapshot Take(string sourceRoot)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(sourceRoot, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(sourceRoot, file).Replace('\\', '/');
            var segments = relative.Split('/');
            var inBin = segments.Contains("bin");
            var compileOutput = segments.Contains("obj") && Path.GetExtension(file) is ".dll" or ".pdb" or ".xml" or ".exe";
            if (!inBin && !compileOutput) continue;
            files[relative] = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));
        }
        return new OutputSnapshot(files);
    }

    public static void AssertIdentical(OutputSnapshot expected, OutputSnapshot actual)
    {
        Assert.NotEmpty(expected.Files);
        var missing = expected.Files.Keys.Except(actual.Files.Keys).ToList();
        var extra = actual.Files.Keys.Except(expected.Files.Keys).ToList();
        var different = expected.Files.Keys.Intersect(actual.Files.Keys).Where(k => expected.Files[k] != actual.Files[k]).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0 && different.Count == 0,
            $"outputs differ.\nmissing: {string.Join(", ", missing)}\nextra: {string.Join(", ", extra)}\ndifferent: {string.Join(", ", different)}");
    }
}
