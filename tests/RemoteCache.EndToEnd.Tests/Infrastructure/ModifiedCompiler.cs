namespace RemoteCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Another compiler version, as far as the cache can tell: a copy of the SDK's Roslyn folder whose compiler
/// assembly differs by trailing bytes (ignored by the loader) and whose targets file differs by a comment.
/// Selected with RoslynTargetsPath, as a Microsoft.Net.Compilers.Toolset package would.
/// </summary>
internal static class ModifiedCompiler
{
    private static readonly Lazy<string> Copy = new(Make, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Folder => Copy.Value;

    private static string Make()
    {
        var source = InstalledSdk.RoslynFolder;
        var target = Path.Combine(RepositoryPaths.TestRoot, "roslyn-modified-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
        using (var csharp = new FileStream(Path.Combine(target, "bincore", "Microsoft.CodeAnalysis.CSharp.dll"), FileMode.Append))
        {
            csharp.Write("modified for a test"u8);
        }
        File.AppendAllText(Path.Combine(target, "Microsoft.CSharp.Core.targets"), "\n<!-- modified for a test -->\n");
        return target;
    }
}
