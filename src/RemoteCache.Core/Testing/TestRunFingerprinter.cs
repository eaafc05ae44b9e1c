using RemoteCache.Core.Fingerprinting;
using RemoteCache.Core.Hashing;

namespace RemoteCache.Core.Testing;

/// <summary>
/// Computes the fingerprint of a test run: the test project's whole output folder by content (the code under test,
/// the tests, their dependencies, configs and data files copied there), the runner's settings and files, the
/// environment variables the user lists, the runtime and the platform.
/// </summary>
public static class TestRunFingerprinter
{
    /// <summary>Bumped whenever the meaning of a test fingerprint changes, so old entries simply stop matching.</summary>
    public const string FormatVersion = "remotecache-test-v1";

    public static Fingerprint Compute(TestRunInputs inputs)
    {
        var names = new PathNormalizer(inputs.ProjectDirectory, [(inputs.NuGetPackageRoot, "{nuget}"), (inputs.DotNetRoot, "{dotnet}")]);
        var list = new List<FingerprintInput>
        {
            new("format", FormatVersion),
            new("platform", inputs.Platform),
        };
        foreach (var runtime in inputs.Runtimes) list.Add(new("runtime", runtime));
        foreach (var (name, value) in inputs.Settings.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            list.Add(new("setting:" + name, names.NormalizeText(value)));
        }
        foreach (var (name, value) in inputs.Environment.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            // A digest, not the value: entries keep their inputs (to explain misses) and a variable may hold a secret.
            list.Add(new("environment:" + name, value is null ? "(unset)" : Sha256Digest.Of(value)));
        }
        foreach (var (role, path) in inputs.Tools.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (FileDigestCache.TryGet(Path.GetFullPath(path)) is { } digest) list.Add(new("tool:" + role, digest));
        }
        foreach (var file in inputs.SettingFiles.Select(f => Path.GetFullPath(f, inputs.ProjectDirectory)).Distinct().Order(StringComparer.Ordinal))
        {
            list.Add(new("settingfile:" + names.Normalize(file), FileDigestCache.TryGet(file) ?? "(missing)"));
        }

        var output = Path.GetFullPath(inputs.OutputDirectory);
        var excluded = inputs.ExcludedDirectory is { Length: > 0 } folder ? Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + Path.DirectorySeparatorChar : null;
        var files = Directory.EnumerateFiles(output, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false })
            .Where(f => excluded is null || !f.StartsWith(excluded, StringComparison.Ordinal))
            .Select(f => (Full: f, Name: Path.GetRelativePath(output, f).Replace('\\', '/')))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();
        var digests = new string?[files.Count];
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = System.Environment.ProcessorCount },
            i => digests[i] = FileDigestCache.TryGet(files[i].Full));
        for (var i = 0; i < files.Count; i++)
        {
            // A file deleted while listing is simply not there.
            if (digests[i] is { } digest) list.Add(new("output:" + files[i].Name, digest));
        }
        return new Fingerprint(CompileFingerprinter.Hash(list), list);
    }
}
