using RemoteCache.Core.Explaining;
using RemoteCache.Core.Fingerprinting;

namespace RemoteCache.Core.Tests;

/// <summary>
/// What a miss explanation says for each kind of change, on inputs shaped as the fingerprinter names them
/// (the end-to-end scenarios check the same on real builds).
/// </summary>
public sealed class InputDiffTests
{
    private static readonly (string, string)[] Baseline =
    [
        ("format", "remotecache-compile-v2"),
        ("location:ProjectDirectory", "/src/Lib"),
        ("property:DefineConstants", "DEBUG;TRACE"),
        ("property:Optimize", "false"),
        ("property:TargetFramework", "net10.0"),
        ("property:LangVersion", "14.0"),
        ("property:@sdk", "10.0.100"),
        ("output:assembly", "obj/Debug/net10.0/Lib.dll"),
        ("output:symbols", "obj/Debug/net10.0/Lib.pdb"),
        ("source:Greeter.cs", "g1"),
        ("source:Helper.cs", "h1"),
        ("source:obj/Debug/net10.0/Lib.AssemblyInfo.cs", "ai-debug"),
        ("source:obj/Debug/net10.0/Lib.GlobalUsings.g.cs", "gu"),
        ("additional:data.txt", "d1"),
        ("reference:{dotnet}/packs/Microsoft.NETCore.App.Ref/10.0.0/ref/net10.0/System.Runtime.dll", "rt"),
        ("reference:{dotnet}/packs/Microsoft.NETCore.App.Ref/10.0.0/ref/net10.0/System.Console.dll", "con"),
        ("reference:{nuget}/newtonsoft.json/13.0.1/lib/net6.0/Newtonsoft.Json.dll", "nj1"),
        ("reference:../Util/obj/Debug/net10.0/ref/Util.dll", "util1"),
        ("analyzer:{dotnet}/sdk/10.0.100/Sdks/Microsoft.NET.Sdk/analyzers/Microsoft.CodeAnalysis.NetAnalyzers.dll", "na1"),
        ("editorconfig:obj/Debug/net10.0/Lib.GeneratedMSBuildEditorConfig.editorconfig", "ec1"),
        ("compiler:{dotnet}/sdk/10.0.100/Roslyn/bincore/csc.dll", "csc1"),
        ("compiler:{dotnet}/sdk/10.0.100/Roslyn/bincore/Microsoft.CodeAnalysis.dll", "mca1"),
    ];

    [Fact]
    public void SameInputsDifferInNothing() => Assert.Empty(Explain(Baseline));

    [Fact]
    public void ASourceEditNamesTheFile() =>
        Assert.Equal(["Greeter.cs changed"], Explain(With(("source:Greeter.cs", "g2"))));

    [Fact]
    public void AddedAndRemovedFilesAreNamed()
    {
        Assert.Equal(["Extra.cs added"], Explain([.. Baseline, ("source:Extra.cs", "x")]));
        Assert.Equal(["Helper.cs removed"], Explain(Without("source:Helper.cs")));
    }

    [Fact]
    public void AFileRemovedAndAddedWithTheSameContentIsARename() =>
        Assert.Equal(["Helper.cs renamed to Helpers.cs"], Explain(Renamed("source:Helper.cs", "source:Helpers.cs")));

    [Fact]
    public void ReorderedSourcesAreNamedAsAnOrderChange()
    {
        var reordered = Baseline.ToList();
        var greeter = reordered.FindIndex(i => i.Item1 == "source:Greeter.cs");
        (reordered[greeter], reordered[greeter + 1]) = (reordered[greeter + 1], reordered[greeter]);

        Assert.Equal(["order of source files changed"], Explain(reordered));
    }

    [Fact]
    public void APropertyShowsBothValues() =>
        Assert.Equal(["DefineConstants: DEBUG;TRACE → TRACE"], Explain(With(("property:DefineConstants", "TRACE"))));

    [Fact]
    public void ALongListShowsWhatWasAddedAndRemoved()
    {
        var before = string.Join(';', Enumerable.Range(0, 20).Select(i => "SYMBOL" + i));
        var after = before.Replace("SYMBOL3;", "") + ";EXTRA";

        Assert.Equal(["DefineConstants: removed SYMBOL3, added EXTRA"], Explain(With(("property:DefineConstants", after)), With(("property:DefineConstants", before))));
    }

    [Fact]
    public void APackageVersionIsOneLine() =>
        Assert.Equal(["package newtonsoft.json 13.0.1 → 13.0.3"], Explain(Renamed(
            "reference:{nuget}/newtonsoft.json/13.0.1/lib/net6.0/Newtonsoft.Json.dll", "reference:{nuget}/newtonsoft.json/13.0.3/lib/net6.0/Newtonsoft.Json.dll", "nj3")));

    [Fact]
    public void AnAddedGeneratorPackageCarriesTheAnalyzerConfigItChanges()
    {
        var after = With(("editorconfig:obj/Debug/net10.0/Lib.GeneratedMSBuildEditorConfig.editorconfig", "ec2"))
            .Append(("analyzer:{nuget}/polysharp/1.16.0/analyzers/dotnet/cs/PolySharp.SourceGenerators.dll", "ps")).ToList();

        Assert.Equal(["package polysharp 1.16.0 added"], Explain(after));
    }

    [Fact]
    public void TheGeneratedAnalyzerConfigAloneIsNamedForWhatItHolds() =>
        Assert.Equal(["MSBuild properties visible to analyzers (obj/Debug/net10.0/Lib.GeneratedMSBuildEditorConfig.editorconfig) changed"],
            Explain(With(("editorconfig:obj/Debug/net10.0/Lib.GeneratedMSBuildEditorConfig.editorconfig", "ec2"))));

    [Fact]
    public void EveryCompilerFileIsOneCause() =>
        Assert.Equal(["compiler changed"], Explain(With(
            ("compiler:{dotnet}/sdk/10.0.100/Roslyn/bincore/csc.dll", "csc2"), ("compiler:{dotnet}/sdk/10.0.100/Roslyn/bincore/Microsoft.CodeAnalysis.dll", "mca2"))));

    [Theory]
    [InlineData("compiler:{executable}", "csc-wrapper-2")]
    [InlineData("compiler:{host}", "dotnet-2")]
    [InlineData("compiler:{runtime}", ";Versions=10.0.3")]
    public void AnotherCompilerBinaryHostOrRuntimeIsTheCompilerChanging(string name, string value) =>
        Assert.Equal(["compiler changed"], Explain(
            WithIn([.. Baseline, ("compiler:{executable}", "csc-wrapper-1"), ("compiler:{host}", "dotnet-1"), ("compiler:{runtime}", ";Versions=10.0.1")], (name, value)),
            [.. Baseline, ("compiler:{executable}", "csc-wrapper-1"), ("compiler:{host}", "dotnet-1"), ("compiler:{runtime}", ";Versions=10.0.1")]));

    [Fact]
    public void AnotherSdkCarriesItsOwnAnalyzers() =>
        Assert.Equal([".NET SDK 10.0.100 → 10.0.401"], Explain(Renamed(
            "analyzer:{dotnet}/sdk/10.0.100/Sdks/Microsoft.NET.Sdk/analyzers/Microsoft.CodeAnalysis.NetAnalyzers.dll",
            "analyzer:{dotnet}/sdk/10.0.401/Sdks/Microsoft.NET.Sdk/analyzers/Microsoft.CodeAnalysis.NetAnalyzers.dll", "na2",
            With(("property:@sdk", "10.0.401"))).ToList()));

    [Fact]
    public void OutputsInAnotherFolderAreOneLineAndFilesThatMovedWithThemAreNamedOnlyWhenTheyChanged()
    {
        var release = Baseline.Select(i => (i.Item1.Replace("/Debug/", "/Release/"), i.Item2.Replace("/Debug/", "/Release/"))).ToList();
        release = WithIn(release, ("property:Optimize", "true"), ("source:obj/Release/net10.0/Lib.AssemblyInfo.cs", "ai-release"), ("reference:../Util/obj/Release/net10.0/ref/Util.dll", "util2"));

        Assert.Equal(
            ["output folder obj/Debug/net10.0 → obj/Release/net10.0", "obj/Release/net10.0/Lib.AssemblyInfo.cs changed", "reference Util.dll changed", "Optimize: false → true"],
            Explain(release));
    }

    [Fact]
    public void AnotherTargetFrameworkIsOneLineAndTheProjectsOwnChangesStillShow()
    {
        var netstandard = Baseline
            .Where(i => !i.Item1.Contains("Microsoft.NETCore.App.Ref") && !i.Item1.Contains("NetAnalyzers"))
            .Select(i => i.Item1.StartsWith("reference:../", StringComparison.Ordinal) ? i
                : (i.Item1.Replace("net10.0/", "netstandard2.0/").Replace("lib/net6.0", "lib/netstandard2.0"), i.Item2.Replace("net10.0/", "netstandard2.0/")))
            .Append(("reference:{nuget}/netstandard.library/2.0.3/build/netstandard2.0/ref/netstandard.dll", "ns"))
            .Append(("source:obj/Debug/netstandard2.0/.NETStandard,Version=v2.0.AssemblyAttributes.cs", "attrs"))
            .ToList();
        netstandard = WithIn(netstandard, ("property:TargetFramework", "netstandard2.0"), ("property:LangVersion", "7.3"), ("property:DefineConstants", "DEBUG;TRACE;NETSTANDARD"),
            ("source:Greeter.cs", "g2"), ("editorconfig:obj/Debug/netstandard2.0/Lib.GeneratedMSBuildEditorConfig.editorconfig", "ec2"));

        Assert.Equal(["TargetFramework: net10.0 → netstandard2.0", "Greeter.cs changed"], Explain(netstandard));
    }

    [Fact]
    public void SdkFilesThatChangedUnderTheSameVersionAreNamed() =>
        Assert.Equal([".NET SDK files changed"], Explain(With(
            ("analyzer:{dotnet}/sdk/10.0.100/Sdks/Microsoft.NET.Sdk/analyzers/Microsoft.CodeAnalysis.NetAnalyzers.dll", "patched"))));

    [Fact]
    public void AnSdkChangeStillShowsBesideAnotherTargetFramework() =>
        Assert.Equal([".NET SDK 10.0.100 → 10.0.401", "TargetFramework: net10.0 → net9.0"],
            Explain(With(("property:@sdk", "10.0.401"), ("property:TargetFramework", "net9.0"))));

    [Fact]
    public void AReferenceOfTheSameNameFoundElsewhereIsAChange() =>
        Assert.Equal(["reference Util.dll changed"], Explain(Renamed("reference:../Util/obj/Debug/net10.0/ref/Util.dll", "reference:../Util/bin/Debug/netstandard2.0/Util.dll", "util2")));

    [Fact]
    public void AnotherProjectFolderIsNamed() =>
        Assert.Equal(["project folder: /src/Lib → /other/Lib"], Explain(With(("location:ProjectDirectory", "/other/Lib"))));

    private static IReadOnlyList<string> Explain(IEnumerable<(string Name, string Value)> after, IEnumerable<(string Name, string Value)>? before = null) =>
        InputDiff.Describe(Inputs(before ?? Baseline), Inputs(after));

    private static List<FingerprintInput> Inputs(IEnumerable<(string Name, string Value)> inputs) => inputs.Select(i => new FingerprintInput(i.Name, i.Value)).ToList();

    private static List<(string, string)> With(params (string Name, string Value)[] changes) => WithIn(Baseline, changes);

    private static List<(string, string)> WithIn(IEnumerable<(string Name, string Value)> inputs, params (string Name, string Value)[] changes) =>
        inputs.Select(i => changes.FirstOrDefault(c => c.Name == i.Name) is { Name: not null } change ? change : i).ToList();

    private static List<(string, string)> Without(string name) => Baseline.Where(i => i.Item1 != name).ToList();

    /// <summary>The input under another name, in the same place; with a new value when given.</summary>
    private static List<(string, string)> Renamed(string from, string to, string? value = null, List<(string, string)>? inputs = null) =>
        (inputs ?? Baseline.ToList()).Select(i => i.Item1 == from ? (to, value ?? i.Item2) : i).ToList();
}
