using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>
/// A change to the sample solution and what it must do: the projects that must miss, the projects that must still
/// hit, and build arguments for the build after the change. <see cref="KeepObj"/> builds incrementally instead of
/// from a clean tree. <see cref="Explained"/> is what CacheExplainMisses must say about each project that misses.
/// </summary>
public sealed record FingerprintScenario(string Name, Action<Workspace> Change, string[] Missing, string[] Hitting)
{
    public string[] Arguments { get; init; } = [];

    /// <summary>The explanation of each missing project, exactly: the changed input and nothing else.</summary>
    public Dictionary<string, string[]> Explained { get; init; } = [];
    public bool KeepObj { get; init; }
    public string Configuration { get; init; } = "Debug";

    public override string ToString() => Name;
}

public static class FingerprintScenarios
{
    public static readonly FingerprintScenario[] All =
    [
        new("source edit", ws => SampleSolution.Replace(ws, "Lib/Greeter.cs", "\" from lib\"", "\" from the lib\""),
            Missing: ["Lib"], Hitting: ["Util", "App"]) { Explained = { ["Lib"] = ["Greeter.cs changed"] } },
        new("source file added", ws => ws.Write("Lib/Extra.cs", "namespace Lib;\ninternal static class Extra { internal const int Value = 1; }\n"),
            Missing: ["Lib"], Hitting: ["Util"]) { Explained = { ["Lib"] = ["Extra.cs added"] } },
        new("source file removed", ws => ws.Delete("Lib/Helper.cs"),
            Missing: ["Lib"], Hitting: ["Util"]) { Explained = { ["Lib"] = ["Helper.cs removed"] } },
        new("source file renamed", ws => File.Move(ws.PathOf("Lib/Helper.cs"), ws.PathOf("Lib/Helpers.cs")),
            Missing: ["Lib"], Hitting: ["Util"]) { Explained = { ["Lib"] = ["Helper.cs renamed to Helpers.cs"] } },
        new("referenced project's public API", ws => SampleSolution.Replace(ws, "Util/Text.cs",
                "private static string Suffix()", "public static string Whisper(string s) { return s.ToLowerInvariant(); }\n\n        private static string Suffix()"),
            Missing: ["Util", "Lib", "App"], Hitting: [])
        {
            // Lib and App both reference Util (App through Lib); Lib's own reference assembly did not change.
            Explained = { ["Util"] = ["Text.cs changed"], ["Lib"] = ["reference Util.dll changed"], ["App"] = ["reference Util.dll changed"] },
        },
        // Reference assemblies do not change with a method body, so the projects that use Util keep hitting.
        new("referenced project's private code", ws => SampleSolution.Replace(ws, "Util/Text.cs", "return \"!\";", "return \"!!\";"),
            Missing: ["Util"], Hitting: ["Lib", "App"]) { Explained = { ["Util"] = ["Text.cs changed"] } },
        new("PackageReference version", ws => SampleSolution.Replace(ws, "Lib/Lib.csproj", "Version=\"13.0.1\"", "Version=\"13.0.3\""),
            Missing: ["Lib"], Hitting: ["Util"]) { Explained = { ["Lib"] = ["package newtonsoft.json 13.0.1 → 13.0.3"] } },
        new("DefineConstants", ws => SampleSolution.Replace(ws, "Lib/Lib.csproj", "<GenerateDocumentationFile>",
                "<DefineConstants>$(DefineConstants);EXTRA</DefineConstants>\n    <GenerateDocumentationFile>"),
            Missing: ["Lib"], Hitting: ["Util"]) { Explained = { ["Lib"] = ["DefineConstants: added EXTRA"] } },
        new("Configuration", _ => { }, Missing: ["Util", "Lib", "App"], Hitting: []) 
        {
            Arguments = ["-c", "Release"], Configuration = "Release",
            // Configuration is no compiler input: what it sets is, and each of those is named (the output folder, the
            // generated AssemblyInfo with its AssemblyConfiguration attribute, DefineConstants, debug information,
            // optimization), as are the referenced projects' assemblies, built in Release too. Nothing else.
            Explained =
            {
                ["Util"] = [.. ReleaseInstead("Util")],
                ["Lib"] = [.. ReleaseInstead("Lib", "Util")],
                ["App"] = [.. ReleaseInstead("App", "Lib", "Util")],
            },
        },
        new("TargetFramework", ws => SampleSolution.Replace(ws, "Util/Util.csproj", "<TargetFramework>net10.0</TargetFramework>", "<TargetFramework>netstandard2.0</TargetFramework>"),
            Missing: ["Util", "Lib", "App"], Hitting: [])
        {
            // The SDK derives most of a compile from the target framework (framework references, DefineConstants,
            // LangVersion, warning defaults, the intermediate folder and what is generated there): one cause, named
            // once. Lib and App see Util's assembly change.
            Explained = { ["Util"] = ["TargetFramework: net10.0 → netstandard2.0"], ["Lib"] = ["reference Util.dll changed"], ["App"] = ["reference Util.dll changed"] },
        },
        new("LangVersion", ws => SampleSolution.Replace(ws, "Lib/Lib.csproj", "<GenerateDocumentationFile>", "<LangVersion>12</LangVersion>\n    <GenerateDocumentationFile>"),
            Missing: ["Lib"], Hitting: ["Util"]) { Explained = { ["Lib"] = ["LangVersion: 14.0 → 12"] } },
        new("Nullable", ws => SampleSolution.Replace(ws, "Lib/Lib.csproj", "<GenerateDocumentationFile>", "<Nullable>enable</Nullable>\n    <GenerateDocumentationFile>"),
            Missing: ["Lib"], Hitting: ["Util"]) { Explained = { ["Lib"] = ["Nullable: (empty) → enable"] } },
        new(".editorconfig rule", ws => ws.Write("Lib/.editorconfig", "root = true\n\n[*.cs]\ndotnet_diagnostic.CS0168.severity = none\n"),
            Missing: ["Lib"], Hitting: ["Util", "App"]) { Explained = { ["Lib"] = ["analyzer config .editorconfig added"] } },
        new("globalconfig rule", ws => ws.Write("Lib/rules.globalconfig", "is_global = true\ndotnet_diagnostic.CS0168.severity = none\n"),
            Missing: ["Lib"], Hitting: ["Util", "App"]) { Explained = { ["Lib"] = ["analyzer config rules.globalconfig changed"] } },
        new("AdditionalFiles content", ws => ws.Write("Lib/data.txt", "additional data v2"),
            Missing: ["Lib"], Hitting: ["Util", "App"]) { Explained = { ["Lib"] = ["additional file data.txt changed"] } },
        new("source generator package", ws => SampleSolution.Replace(ws, "Lib/Lib.csproj", "<PackageReference Include=\"Newtonsoft.Json\"",
                "<PackageReference Include=\"PolySharp\" Version=\"1.16.0\" PrivateAssets=\"all\" />\n    <PackageReference Include=\"Newtonsoft.Json\""),
            Missing: ["Lib"], Hitting: ["Util"])
        {
            // The package also makes its settings visible to analyzers (the generated .editorconfig): part of the same cause.
            Explained = { ["Lib"] = ["package polysharp 1.16.0 added"] },
        },
        new("embedded resource", ws => ws.Write("Lib/greeting.txt", "howdy"),
            Missing: ["Lib"], Hitting: ["Util", "App"]) { Explained = { ["Lib"] = ["resource greeting.txt changed"] } },
        new("compiler version", _ => { }, Missing: ["Util", "Lib", "App"], Hitting: []) 
        {
            Arguments = [$"-p:RoslynTargetsPath={ModifiedCompiler.Folder}"],
            // Every compiler file differs (csc, Microsoft.CodeAnalysis*, the targets): one cause, named once.
            Explained = { ["Util"] = ["compiler changed"], ["Lib"] = ["compiler changed"], ["App"] = ["compiler changed"] },
        },
        new("timestamp only", ws => File.SetLastWriteTimeUtc(ws.PathOf("Lib/Greeter.cs"), DateTime.UtcNow.AddSeconds(1)),
            Missing: [], Hitting: ["Lib"]) { KeepObj = true },
    ];

    /// <summary>What building Release instead of Debug changes in a project's compile, referenced projects' assemblies included.</summary>
    private static IEnumerable<string> ReleaseInstead(string project, params string[] references) =>
        ["output folder obj/Debug/net10.0 → obj/Release/net10.0", $"obj/Release/net10.0/{project}.AssemblyInfo.cs changed",
         .. references.Select(r => $"reference {r}.dll changed"),
         "DefineConstants: removed DEBUG, added RELEASE", "EmitDebugInformation: true → false", "Optimize: false → true"];

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var scenario in All) data.Add(scenario.Name);
        return data;
    }
}
