using RemoteCache.Core.Fingerprinting;

namespace RemoteCache.Core.Tests;

public sealed class CompileFingerprinterTests : IDisposable
{
    private const string ShaA = "0123456789abcdef0123456789abcdef01234567";
    private const string ShaB = "fedcba9876543210fedcba9876543210fedcba98";

    private readonly TempFolder _temp = new("rc-fingerprint");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void SameInputsGiveTheSameFingerprint()
    {
        var project = CreateProject("a");

        var first = CompileFingerprinter.Compute(Inputs(project));
        var second = CompileFingerprinter.Compute(Inputs(project));

        Assert.Equal(first.Value, second.Value);
        Assert.Equal(first.Inputs, second.Inputs);
        Assert.Matches("^[0-9a-f]{64}$", first.Value);
        Assert.Equal(first.Value[..12], first.Short);
    }

    [Fact]
    public void FingerprintIsTheHashOfItsListedInputs()
    {
        // Entries store the inputs to explain misses later: they must be exactly what the fingerprint was made of.
        var fingerprint = CompileFingerprinter.Compute(Inputs(CreateProject("a")));

        Assert.Equal(fingerprint.Value, CompileFingerprinter.Hash(fingerprint.Inputs));
        Assert.Equal(new FingerprintInput("format", CompileFingerprinter.FormatVersion), fingerprint.Inputs[0]);
    }

    [Theory]
    [InlineData("Util.cs")]
    [InlineData("lib/Dep.dll")]
    [InlineData("obj/App.GeneratedMSBuildEditorConfig.editorconfig")]
    [InlineData("obj/sourcelink.json")]
    public void AnInputFileThatDoesNotExistIsLeftOut(string missing)
    {
        // As MSBuild's Exists(): targets name optional files (a compiler file another toolset lacks).
        var project = CreateProject("a");
        var before = CompileFingerprinter.Compute(Inputs(project));
        File.Delete(Path.Combine(project, missing));

        var after = CompileFingerprinter.Compute(Inputs(project));

        Assert.NotEqual(before.Value, after.Value);
        Assert.Equal(before.Inputs.Where(i => !i.Name.EndsWith(":" + missing, StringComparison.Ordinal)), after.Inputs);
        Assert.Equal(before.Inputs.Count - 1, after.Inputs.Count);
    }

    [Fact]
    public void AFolderWhereAFileBelongsIsReportedAsItself()
    {
        // Inputs are hashed in parallel; the task turns an unreadable input into its own warning only if the
        // exception arrives as itself, not wrapped.
        var project = CreateProject("a");
        File.Delete(Path.Combine(project, "Util.cs"));
        Directory.CreateDirectory(Path.Combine(project, "Util.cs"));

        var error = Assert.Throws<IOException>(() => CompileFingerprinter.Compute(Inputs(project)));
        Assert.Contains("Util.cs' is a folder", error.Message);
    }

    [Fact]
    public void ChangingAFilesContentChangesTheFingerprint()
    {
        var project = CreateProject("a");
        var before = CompileFingerprinter.Compute(Inputs(project));
        var path = Path.Combine(project, "Util.cs");
        var stamp = File.GetLastWriteTimeUtc(path);

        // Same length, other content. Digests are remembered per (path, size, time), so give the rewrite a time of
        // its own as any real edit has; a same-size rewrite within the clock's resolution is out of scope here.
        File.WriteAllText(path, File.ReadAllText(path).Replace("Util", "Tool"));
        File.SetLastWriteTimeUtc(path, stamp.AddSeconds(2));
        var after = CompileFingerprinter.Compute(Inputs(project));

        Assert.NotEqual(before.Value, after.Value);
    }

    [Fact]
    public void ChangingAReferencesContentChangesTheFingerprint()
    {
        var project = CreateProject("a");
        var before = CompileFingerprinter.Compute(Inputs(project));

        File.WriteAllBytes(Path.Combine(project, "lib", "Dep.dll"), [9, 9, 9, 9, 9]);
        var after = CompileFingerprinter.Compute(Inputs(project));

        Assert.NotEqual(before.Value, after.Value);
    }

    [Fact]
    public void TouchingAFileDoesNotChangeTheFingerprint()
    {
        // Only content counts: a checkout or `touch` must not turn hits into misses.
        var project = CreateProject("a");
        var before = CompileFingerprinter.Compute(Inputs(project));

        foreach (var file in Directory.GetFiles(project, "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddHours(-3));
        }
        var after = CompileFingerprinter.Compute(Inputs(project));

        Assert.Equal(before.Value, after.Value);
    }

    [Fact]
    public void ChangingAPropertyValueChangesTheFingerprint()
    {
        var project = CreateProject("a");
        var inputs = Inputs(project);

        var release = CompileFingerprinter.Compute(inputs);
        var debug = CompileFingerprinter.Compute(inputs with { Properties = [new("Configuration", "Debug"), new("DefineConstants", "TRACE")] });

        Assert.NotEqual(release.Value, debug.Value);
    }

    [Fact]
    public void AddingAPropertyChangesTheFingerprint()
    {
        var project = CreateProject("a");
        var inputs = Inputs(project);

        var without = CompileFingerprinter.Compute(inputs);
        var with = CompileFingerprinter.Compute(inputs with { Properties = [.. inputs.Properties, new("Optimize", "true")] });

        Assert.NotEqual(without.Value, with.Value);
    }

    [Fact]
    public void ReorderingSourcesChangesTheFingerprint()
    {
        // Source order changes the emitted metadata order, hence the assembly's bytes.
        var project = CreateProject("a");
        var inputs = Inputs(project);

        var original = CompileFingerprinter.Compute(inputs);
        var reordered = CompileFingerprinter.Compute(inputs with { Files = [inputs.Files[1], inputs.Files[0], .. inputs.Files.Skip(2)] });

        Assert.NotEqual(original.Value, reordered.Value);
    }

    [Fact]
    public void ChangingFileMetadataChangesTheFingerprint()
    {
        // An extern alias on a reference changes how the sources bind.
        var project = CreateProject("a");
        var inputs = Inputs(project);
        var aliased = inputs.Files.Select(f => f.Category == "reference" ? f with { Metadata = [new("Aliases", "dep")] } : f).ToList();

        var plain = CompileFingerprinter.Compute(inputs);
        var withAlias = CompileFingerprinter.Compute(inputs with { Files = aliased });

        Assert.NotEqual(plain.Value, withAlias.Value);
    }

    [Fact]
    public void ChangingAnOutputPathChangesTheFingerprint()
    {
        var project = CreateProject("a");
        var inputs = Inputs(project);

        var original = CompileFingerprinter.Compute(inputs);
        var moved = CompileFingerprinter.Compute(inputs with { Outputs = [new OutputFile("assembly", "obj/Debug/App.dll")] });

        Assert.NotEqual(original.Value, moved.Value);
    }

    [Fact]
    public void SameProjectInTwoFoldersDiffersWithoutPathMap()
    {
        // Without PathMap the outputs embed the absolute project folder (PDB document paths, CallerFilePath).
        var a = CreateProject("a");
        var b = CreateProject("b");

        var fa = CompileFingerprinter.Compute(Inputs(a));
        var fb = CompileFingerprinter.Compute(Inputs(b));

        Assert.NotEqual(fa.Value, fb.Value);
        Assert.Contains(new FingerprintInput("location:ProjectDirectory", a + "/"), fa.Inputs);
        Assert.Contains(new FingerprintInput("location:ProjectDirectory", b + "/"), fb.Inputs);
    }

    [Fact]
    public void SameProjectInTwoFoldersMatchesWhenPathMapCoversBoth()
    {
        var a = CreateProject("a");
        var b = CreateProject("b");

        var fa = CompileFingerprinter.Compute(Inputs(a) with { PathMap = RepoRoot("a") + "=/_/" });
        var fb = CompileFingerprinter.Compute(Inputs(b) with { PathMap = RepoRoot("b") + "=/_/" });

        Assert.Equal(fa.Inputs, fb.Inputs);
        Assert.Equal(fa.Value, fb.Value);
        Assert.Contains(new FingerprintInput("location:ProjectDirectory", "/_/src/App/"), fa.Inputs);
    }

    [Fact]
    public void PathMapToDifferentTargetsDiffers()
    {
        // The mapped path is what the outputs embed, so it is part of the fingerprint.
        var a = CreateProject("a");
        var b = CreateProject("b");

        var fa = CompileFingerprinter.Compute(Inputs(a) with { PathMap = RepoRoot("a") + "=/_/" });
        var fb = CompileFingerprinter.Compute(Inputs(b) with { PathMap = RepoRoot("b") + "=/other/" });

        Assert.NotEqual(fa.Value, fb.Value);
    }

    [Fact]
    public void SourceLinkCommitIsIgnoredWhenAsked()
    {
        var project = CreateProject("a");
        var sourceLink = Path.Combine(project, "obj", "sourcelink.json");

        File.WriteAllText(sourceLink, SourceLinkJson(RepoRoot("a"), ShaA));
        var ignoredA = CompileFingerprinter.Compute(Inputs(project) with { IgnoreSourceRevision = true });
        var keptA = CompileFingerprinter.Compute(Inputs(project) with { IgnoreSourceRevision = false });
        File.WriteAllText(sourceLink, SourceLinkJson(RepoRoot("a"), ShaB));
        var ignoredB = CompileFingerprinter.Compute(Inputs(project) with { IgnoreSourceRevision = true });
        var keptB = CompileFingerprinter.Compute(Inputs(project) with { IgnoreSourceRevision = false });

        Assert.Equal(ignoredA.Value, ignoredB.Value);
        Assert.NotEqual(keptA.Value, keptB.Value);
    }

    [Fact]
    public void SourceLinkUrlChangeIsNotIgnored()
    {
        // Only the commit is folded out: another repository URL is another embedded document map.
        var project = CreateProject("a");
        var sourceLink = Path.Combine(project, "obj", "sourcelink.json");

        var before = CompileFingerprinter.Compute(Inputs(project));
        File.WriteAllText(sourceLink, SourceLinkJson(RepoRoot("a"), ShaA).Replace("org/repo", "org/fork"));
        var after = CompileFingerprinter.Compute(Inputs(project));

        Assert.NotEqual(before.Value, after.Value);
    }

    [Fact]
    public void EditorConfigWithTheProjectFolderMatchesAcrossFoldersUnderPathMap()
    {
        // The generated editorconfig names the project folder; PathMap keeps it out of the outputs.
        var a = CreateProject("a");
        var b = CreateProject("b");
        Assert.Contains(a, File.ReadAllText(Path.Combine(a, "obj", "App.GeneratedMSBuildEditorConfig.editorconfig")));

        var fa = CompileFingerprinter.Compute(Inputs(a) with { PathMap = RepoRoot("a") + "=/_/" });
        var fb = CompileFingerprinter.Compute(Inputs(b) with { PathMap = RepoRoot("b") + "=/_/" });

        Assert.Equal(EditorConfigInput(fa), EditorConfigInput(fb));
        Assert.Equal(fa.Value, fb.Value);
    }

    [Fact]
    public void EditorConfigValueChangeChangesTheFingerprint()
    {
        var project = CreateProject("a");
        var editorConfig = Path.Combine(project, "obj", "App.GeneratedMSBuildEditorConfig.editorconfig");

        var before = CompileFingerprinter.Compute(Inputs(project));
        File.WriteAllText(editorConfig, File.ReadAllText(editorConfig).Replace("RootNamespace = App", "RootNamespace = Other"));
        var after = CompileFingerprinter.Compute(Inputs(project));

        Assert.NotEqual(before.Value, after.Value);
    }

    [Fact]
    public void NuGetReferencesMatchAcrossPackageRoots()
    {
        // Reference assemblies are content-only inputs: the package cache's location never reaches the outputs.
        var project = CreateProject("p");
        var root1 = _temp.Combine("nuget1");
        var root2 = _temp.Combine("nuget2");
        const string relative = "newtonsoft.json/13.0.3/lib/net6.0/Newtonsoft.Json.dll";
        _temp.Write("nuget1/" + relative, [1, 2, 3, 4]);
        _temp.Write("nuget2/" + relative, [1, 2, 3, 4]);

        var f1 = CompileFingerprinter.Compute(WithNuGet(project, root1, relative));
        var f2 = CompileFingerprinter.Compute(WithNuGet(project, root2, relative));

        Assert.Equal(f1.Value, f2.Value);
        Assert.Contains(f1.Inputs, i => i.Name == "reference:{nuget}/" + relative);
    }

    [Fact]
    public void NuGetReferencesWithOtherContentDiffer()
    {
        var project = CreateProject("p");
        const string relative = "newtonsoft.json/13.0.3/lib/net6.0/Newtonsoft.Json.dll";
        _temp.Write("nuget1/" + relative, [1, 2, 3, 4]);
        _temp.Write("nuget2/" + relative, [1, 2, 3, 5]);

        var f1 = CompileFingerprinter.Compute(WithNuGet(project, _temp.Combine("nuget1"), relative));
        var f2 = CompileFingerprinter.Compute(WithNuGet(project, _temp.Combine("nuget2"), relative));

        Assert.NotEqual(f1.Value, f2.Value);
    }

    [Fact]
    public void NuGetReferencesAtOtherRelativePathsDiffer()
    {
        // Another package version with identical bytes is still named differently.
        var project = CreateProject("p");
        _temp.Write("nuget1/dep/1.0.0/lib/Dep.dll", [1, 2, 3, 4]);
        _temp.Write("nuget2/dep/2.0.0/lib/Dep.dll", [1, 2, 3, 4]);

        var f1 = CompileFingerprinter.Compute(WithNuGet(project, _temp.Combine("nuget1"), "dep/1.0.0/lib/Dep.dll"));
        var f2 = CompileFingerprinter.Compute(WithNuGet(project, _temp.Combine("nuget2"), "dep/2.0.0/lib/Dep.dll"));

        Assert.NotEqual(f1.Value, f2.Value);
    }

    [Fact]
    public void ParsePathMapSplitsPairs()
    {
        Assert.Equal([("a", "b"), ("c", "d")], CompileFingerprinter.ParsePathMap("a=b,c=d"));
    }

    [Fact]
    public void ParsePathMapUnescapesDoubledSeparators()
    {
        // Roslyn's PathMap syntax: "==" is a literal '=', ",," a literal ','.
        Assert.Equal([("a=b", "c")], CompileFingerprinter.ParsePathMap("a==b=c"));
        Assert.Equal([("a,b", "c")], CompileFingerprinter.ParsePathMap("a,,b=c"));
        Assert.Equal([("/src/x=y/", "/_/"), ("/other,dir/", "/o/")], CompileFingerprinter.ParsePathMap("/src/x==y/=/_/,/other,,dir/=/o/"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("novalue")]
    [InlineData("=b")]
    public void ParsePathMapSkipsIncompletePairs(string pathMap)
    {
        Assert.Empty(CompileFingerprinter.ParsePathMap(pathMap));
    }

    private string RepoRoot(string name) => _temp.Combine(name) + "/";

    /// <summary>A small project at name/src/App: two sources, a local reference, an editorconfig and a SourceLink map.</summary>
    [Fact]
    public void NameInputsCountByNameAndMetadataWithoutAFile()
    {
        // Pack's target frameworks and project references: nothing to read, but their name and metadata matter.
        var project = CreateProject("a");
        CompileInputs WithReference(string version) => Inputs(project) with
        {
            Files = [.. Inputs(project).Files, new InputFile("projectreference", InputFileKind.Name, "../Lib/Lib.csproj", [new("ProjectVersion", version)])],
        };

        var first = CompileFingerprinter.Compute(WithReference("1.0.0"));

        Assert.Contains(new FingerprintInput("projectreference:../Lib/Lib.csproj", ";ProjectVersion=1.0.0"), first.Inputs);
        Assert.Equal(first.Value, CompileFingerprinter.Compute(WithReference("1.0.0")).Value);
        Assert.NotEqual(first.Value, CompileFingerprinter.Compute(WithReference("2.0.0")).Value);
    }

    private string CreateProject(string name)
    {
        var project = _temp.Combine(name, "src", "App");
        _temp.Write($"{name}/src/App/Program.cs", "class Program { static void Main() => Util.Run(); }\n");
        _temp.Write($"{name}/src/App/Util.cs", "static class Util { public static void Run() { } }\n");
        _temp.Write($"{name}/src/App/lib/Dep.dll", [1, 2, 3, 4, 5]);
        _temp.Write($"{name}/src/App/obj/App.GeneratedMSBuildEditorConfig.editorconfig",
            $"is_global = true\nbuild_property.RootNamespace = App\nbuild_property.ProjectDir = {project}/\n\n[{project}/Program.cs]\nbuild_metadata.Compile.Kind = source\n");
        _temp.Write($"{name}/src/App/obj/sourcelink.json", SourceLinkJson(RepoRoot(name), ShaA));
        return project;
    }

    private static string SourceLinkJson(string repoRoot, string sha) =>
        $"{{\"documents\":{{\"{repoRoot}*\":\"https://raw.githubusercontent.com/org/repo/{sha}/*\"}}}}";

    private static CompileInputs Inputs(string project) => new()
    {
        ProjectDirectory = project,
        Properties = [new("Configuration", "Release"), new("DefineConstants", "TRACE")],
        Files =
        [
            new InputFile("compile", InputFileKind.Source, "Program.cs", []),
            new InputFile("compile", InputFileKind.Source, "Util.cs", []),
            new InputFile("reference", InputFileKind.Content, "lib/Dep.dll", []),
            new InputFile("editorconfig", InputFileKind.EditorConfig, "obj/App.GeneratedMSBuildEditorConfig.editorconfig", []),
            new InputFile("sourcelink", InputFileKind.SourceLink, "obj/sourcelink.json", []),
        ],
        Outputs = [new OutputFile("assembly", "obj/Release/App.dll")],
    };

    private static CompileInputs WithNuGet(string project, string nugetRoot, string relative)
    {
        var inputs = Inputs(project);
        return inputs with
        {
            NuGetPackageRoot = nugetRoot + "/",
            Files = [.. inputs.Files, new InputFile("reference", InputFileKind.Content, Path.Combine(nugetRoot, relative), [])],
        };
    }

    private static FingerprintInput EditorConfigInput(Fingerprint fingerprint) =>
        Assert.Single(fingerprint.Inputs, i => i.Name.StartsWith("editorconfig:", StringComparison.Ordinal));
}
