using System.Diagnostics;
using RemoteCache.Core.Fingerprinting;
using RemoteCache.Core.Hashing;

namespace RemoteCache.Bench;

/// <summary>
/// The cost of fingerprinting one compile of 100 source files against the framework's ~160 reference assemblies,
/// measured in process on the engine itself: the first call (every file hashed), the median of later calls
/// (digests remembered in memory, as in a node that already built a project), and the first call of a new node
/// whose digest journal is warm (the next build, the common case with node reuse off).
/// </summary>
internal static class FingerprintBench
{
    public sealed record Result(double ColdMs, double WarmMedianMs, double WarmP90Ms, double NewNodeMedianMs, int Files);

    public static Result Run(string work)
    {
        var project = Path.Combine(work, "fingerprint-project");
        Directory.CreateDirectory(project);
        var sources = Enumerable.Range(0, 100).Select(i =>
        {
            var path = Path.Combine(project, $"File{i:000}.cs");
            File.WriteAllText(path, string.Concat(Enumerable.Repeat($"// line of file {i} with some text to hash\n", 60)));
            return new InputFile("source", InputFileKind.Source, path, []);
        });
        var dotnetRoot = Path.GetDirectoryName(Environment.ProcessPath)!;
        var refPack = Directory.GetDirectories(Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref")).Max()!;
        var references = Directory.GetFiles(Path.Combine(refPack, "ref", "net10.0"), "*.dll")
            .Select(path => new InputFile("reference", InputFileKind.Content, path, []));
        var inputs = new CompileInputs
        {
            ProjectDirectory = project,
            Properties = Enumerable.Range(0, 60).Select(i => KeyValuePair.Create($"Property{i}", $"value {i}")).ToList(),
            Files = sources.Concat(references).ToList(),
            Outputs = [new OutputFile("assembly", Path.Combine(project, "obj", "P.dll"))],
            DotNetRoot = dotnetRoot,
        };

        // Files written just now are "racy" (their digests are not journaled) until the clock has moved on.
        Thread.Sleep(TimeSpan.FromSeconds(2.5));
        var journal = Path.Combine(work, "fingerprint-journal");
        FileDigestCache.Reset();
        FileDigestCache.UseJournal(journal, writable: true);
        var clock = Stopwatch.StartNew();
        CompileFingerprinter.Compute(inputs);
        var cold = clock.Elapsed.TotalMilliseconds;
        FileDigestCache.Flush();
        var warm = new List<double>();
        for (var i = 0; i < 200; i++)
        {
            clock.Restart();
            CompileFingerprinter.Compute(inputs);
            warm.Add(clock.Elapsed.TotalMilliseconds);
        }
        warm.Sort();

        var newNode = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            FileDigestCache.Reset();
            clock.Restart();
            FileDigestCache.UseJournal(journal, writable: true);
            CompileFingerprinter.Compute(inputs);
            newNode.Add(clock.Elapsed.TotalMilliseconds);
        }
        newNode.Sort();
        return new Result(cold, warm[warm.Count / 2], warm[warm.Count * 9 / 10], newNode[newNode.Count / 2], inputs.Files.Count);
    }
}
