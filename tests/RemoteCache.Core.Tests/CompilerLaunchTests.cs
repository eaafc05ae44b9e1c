using RemoteCache.Core.Fingerprinting;

namespace RemoteCache.Core.Tests;

/// <summary>
/// Issue 23, item 4: which compiler binary the Csc task runs for each CscToolPath/CscToolExe/DOTNET_HOST_PATH
/// combination, and that the fingerprint holds that binary by content (not by where it is).
/// </summary>
public sealed class CompilerLaunchTests : IDisposable
{
    private readonly TempFolder _temp = new("rc-compiler-launch");
    private readonly Dictionary<string, string?> _environment = new();

    public CompilerLaunchTests()
    {
        _temp.Write("roslyn/bincore/csc.dll", "compiler");
        _temp.Write("roslyn/bincore/csc", "apphost");
        _temp.Write("roslyn/bincore/csc.runtimeconfig.json", """
            { "runtimeOptions": { "tfm": "net10.0", "framework": { "name": "Microsoft.NETCore.App", "version": "10.0.0" }, "rollForward": "Major" } }
            """);
        _temp.Write("dotnet-a/dotnet", "host a");
        foreach (var version in new[] { "9.0.9", "10.0.0", "10.0.1", "11.0.0" })
        {
            Directory.CreateDirectory(_temp.Combine("dotnet-a", "shared", "Microsoft.NETCore.App", version));
        }
        _temp.Write("dotnet-b/dotnet", "host b");
        Directory.CreateDirectory(_temp.Combine("dotnet-b", "shared", "Microsoft.NETCore.App", "10.0.2"));
        _temp.Write("tools/csc-wrapper", "#!/bin/sh\nexec something \"$@\"\n");
        _environment["DOTNET_HOST_PATH"] = _temp.Combine("dotnet-a", "dotnet");
        _environment["PATH"] = _temp.Combine("dotnet-b");
    }

    public void Dispose() => _temp.Dispose();

    private string ToolDirectory => _temp.Combine("roslyn", "bincore");

    private IReadOnlyList<InputFile> Inputs(string toolPath = "", string toolExe = "") =>
        CompilerLaunch.Inputs(ToolDirectory, toolPath, toolExe, name => _environment.GetValueOrDefault(name));

    private static string PathOf(IReadOnlyList<InputFile> inputs, string role) => inputs.Single(i => i.Category == "compiler:{" + role + "}").Path;

    [Theory]
    [InlineData("")]
    [InlineData("csc")]
    public void TheBuiltInCompilerRunsItsApphostOnTheRuntimeOfDotnetHostPath(string toolExe)
    {
        var inputs = Inputs(toolExe: toolExe);

        Assert.Equal(_temp.Combine("roslyn", "bincore", "csc"), PathOf(inputs, "executable"));
        Assert.Equal(_temp.Combine("dotnet-a", "dotnet"), PathOf(inputs, "host"));
        // The runtime the host picks for csc.runtimeconfig.json: the newest patch of the lowest fitting major.minor.
        var runtime = Assert.Single(inputs, i => i.Kind == InputFileKind.Name);
        Assert.Equal([KeyValuePair.Create("Versions", "10.0.1")], runtime.Metadata);
    }

    [Fact]
    public void WithoutARuntimeConfigEveryInstalledRuntimeCounts()
    {
        File.Delete(_temp.Combine("roslyn", "bincore", "csc.runtimeconfig.json"));

        var runtime = Assert.Single(Inputs(), i => i.Kind == InputFileKind.Name);

        Assert.Equal([KeyValuePair.Create("Versions", "10.0.0,10.0.1,11.0.0,9.0.9")], runtime.Metadata);
    }

    [Fact]
    public void WithoutAnApphostTheHostRunsCscDll()
    {
        File.Delete(_temp.Combine("roslyn", "bincore", "csc"));

        var inputs = Inputs();

        Assert.Equal(_temp.Combine("roslyn", "bincore", "csc.dll"), PathOf(inputs, "executable"));
        Assert.Equal(_temp.Combine("dotnet-a", "dotnet"), PathOf(inputs, "host"));
    }

    [Fact]
    public void TheHostIsDotnetHostPathThenTheExperimentalVariableThenPath()
    {
        _environment["DOTNET_HOST_PATH"] = null;
        Assert.Equal(_temp.Combine("dotnet-b", "dotnet"), PathOf(Inputs(), "host"));

        _environment["DOTNET_EXPERIMENTAL_HOST_PATH"] = _temp.Combine("dotnet-a", "dotnet");
        Assert.Equal(_temp.Combine("dotnet-a", "dotnet"), PathOf(Inputs(), "host"));
    }

    [Fact]
    public void ALinkedHostIsReadAndItsRuntimeFoundWhereTheLinkLeads()
    {
        var link = _temp.Combine("bin", "dotnet");
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, _temp.Combine("dotnet-b", "dotnet"));
        _environment["DOTNET_HOST_PATH"] = link;

        var inputs = Inputs();

        Assert.Equal([KeyValuePair.Create("Versions", "10.0.2")], Assert.Single(inputs, i => i.Kind == InputFileKind.Name).Metadata);
        // The host is read where the link leads, so updating that file changes the fingerprint even if the link stays.
        Assert.Equal(_temp.Combine("dotnet-b", "dotnet"), PathOf(inputs, "host"));
    }

    [Fact]
    public void CscToolPathWithCscToolExeRunsThatFileAndNoHost()
    {
        var inputs = Inputs(_temp.Combine("tools"), "csc-wrapper");

        Assert.Equal(Path.Combine(_temp.Combine("tools"), "csc-wrapper"), PathOf(inputs, "executable"));
        Assert.Equal(InputFileKind.Tool, Assert.Single(inputs).Kind);
    }

    [Fact]
    public void CscToolPathAloneRunsTheBuiltInNameThere()
    {
        Assert.Equal(Path.Combine(_temp.Combine("tools"), "csc"), PathOf(Inputs(_temp.Combine("tools")), "executable"));
    }

    [Fact]
    public void CscToolExeAloneIsThatFileOrTheFirstOnPath()
    {
        Assert.Equal(_temp.Combine("tools", "csc-wrapper"), PathOf(Inputs(toolExe: _temp.Combine("tools", "csc-wrapper")), "executable"));

        _environment["PATH"] = _temp.Combine("nowhere") + Path.PathSeparator + _temp.Combine("tools");
        Assert.Equal(_temp.Combine("tools", "csc-wrapper"), PathOf(Inputs(toolExe: "csc-wrapper"), "executable"));
    }

    [Fact]
    public void TheFingerprintHoldsTheCompilerAndHostByContentWhereverTheyAre()
    {
        var project = _temp.Combine("project");
        _temp.Write("project/Program.cs", "class Program { }\n");
        string Fingerprint(IReadOnlyList<InputFile> compiler) => CompileFingerprinter.Compute(new CompileInputs
        {
            ProjectDirectory = project,
            Properties = [],
            Files = [new InputFile("compile", InputFileKind.Source, "Program.cs", []), .. compiler],
            Outputs = [],
        }).Value;

        var wrapper = Fingerprint(Inputs(_temp.Combine("tools"), "csc-wrapper"));
        _temp.Write("elsewhere/csc-wrapper", File.ReadAllText(_temp.Combine("tools", "csc-wrapper")));
        Assert.Equal(wrapper, Fingerprint(Inputs(_temp.Combine("elsewhere"), "csc-wrapper")));
        _temp.Write("other/csc-wrapper", "#!/bin/sh\nexec something-else \"$@\"\n");
        Assert.NotEqual(wrapper, Fingerprint(Inputs(_temp.Combine("other"), "csc-wrapper")));

        var builtIn = Fingerprint(Inputs());
        Assert.NotEqual(wrapper, builtIn);
        // Another host (other content, other runtime) is another compiler; a copy of the same one elsewhere is not.
        _environment["DOTNET_HOST_PATH"] = _temp.Combine("dotnet-b", "dotnet");
        Assert.NotEqual(builtIn, Fingerprint(Inputs()));
        // A copy with only the runtime the compiler runs on is the same compiler: other runtimes do not count.
        _temp.Write("dotnet-c/dotnet", "host a");
        Directory.CreateDirectory(_temp.Combine("dotnet-c", "shared", "Microsoft.NETCore.App", "10.0.1"));
        _environment["DOTNET_HOST_PATH"] = _temp.Combine("dotnet-c", "dotnet");
        Assert.Equal(builtIn, Fingerprint(Inputs()));
        // Same host file, a newer patch beside it: the compiler would run on that one.
        Directory.CreateDirectory(_temp.Combine("dotnet-c", "shared", "Microsoft.NETCore.App", "10.0.3"));
        Assert.NotEqual(builtIn, Fingerprint(Inputs()));
        // Another apphost is another compiler.
        Directory.Delete(_temp.Combine("dotnet-c", "shared", "Microsoft.NETCore.App", "10.0.3"));
        _temp.Write("roslyn/bincore/csc", "apphost 2");
        Assert.NotEqual(builtIn, Fingerprint(Inputs()));
    }
}
