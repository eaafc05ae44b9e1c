using System.Text;

namespace RemoteCache.Bench;

/// <summary>
/// Writes a deterministic solution: projects in layers, each referencing up to three earlier ones, a few package
/// references, and many small source files that call into their references (so reference assemblies matter).
/// The same seed gives the same tree, with or without the SDK, and a branch "feature" that changes a method body in
/// every other project (private changes: dependants' reference assemblies stay the same). With test projects (the
/// test-run benchmark), each is an xunit project over one layer whose tests take a few seconds of CPU in all.
/// </summary>
internal sealed class SolutionGenerator(int projects, int filesPerProject, int testProjects = 0)
{
    private static readonly (string Id, string Version, string Use)[] Packages =
    [
        ("Newtonsoft.Json", "13.0.3", "Newtonsoft.Json.JsonConvert.SerializeObject(x).Length"),
        ("Microsoft.Extensions.Primitives", "10.0.9", "new Microsoft.Extensions.Primitives.StringValues(x.ToString()).Count"),
        ("System.IO.Hashing", "10.0.9", "(int)System.IO.Hashing.Crc32.HashToUInt32(System.BitConverter.GetBytes(x))"),
    ];

    public const string SolutionFile = "Bench.slnx";

    public int Projects => projects;

    public int SourceFiles => projects * filesPerProject;

    public int TestProjects => testProjects;

    public const int TestClasses = 4;

    public const int TestsPerClass = 10;

    public void Write(string root, bool withSdk)
    {
        Directory.CreateDirectory(root);
        // Stop MSBuild from importing this repository's own Directory.Build files above the generated tree.
        File.WriteAllText(Path.Combine(root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, ".gitignore"), "bin/\nobj/\n");
        var solution = new StringBuilder("<Solution>\n");
        for (var p = 0; p < projects; p++)
        {
            solution.Append($"  <Project Path=\"{Name(p)}/{Name(p)}.csproj\" />\n");
            WriteProject(root, p, withSdk);
        }
        for (var t = 0; t < testProjects; t++)
        {
            solution.Append($"  <Project Path=\"{TestName(t)}/{TestName(t)}.csproj\" />\n");
            WriteTestProject(root, t, withSdk);
        }
        File.WriteAllText(Path.Combine(root, SolutionFile), solution.Append("</Solution>\n").ToString());
    }

    /// <summary>The change of branch "feature": one method body in every other project.</summary>
    public void ApplyFeatureChange(string root)
    {
        for (var p = 0; p < projects; p += 2)
        {
            var file = Path.Combine(root, Name(p), "C000.cs");
            var text = File.ReadAllText(file);
            File.WriteAllText(file, text.Replace("private static int Salt() => 0;", "private static int Salt() => 1;", StringComparison.Ordinal));
        }
    }

    public static string Name(int p) => $"P{p:00}";

    public static string TestName(int t) => $"T{t:00}";

    private static IEnumerable<int> References(int p)
    {
        // Layers of ten; each project uses up to three projects of lower layers, chosen deterministically.
        var layer = p / 10;
        if (layer == 0) yield break;
        var below = layer * 10;
        var seen = new HashSet<int>();
        for (var k = 0; k < 3; k++)
        {
            var r = (p * 7 + k * 13) % below;
            if (seen.Add(r)) yield return r;
        }
    }

    private void WriteProject(string root, int p, bool withSdk)
    {
        var dir = Path.Combine(root, Name(p));
        Directory.CreateDirectory(dir);
        var references = References(p).ToList();
        var packages = Packages.Where((_, i) => p % (5 + 2 * i) == 0).ToList();
        var isApp = p == projects - 1;
        var project = new StringBuilder("<Project Sdk=\"Microsoft.NET.Sdk\">\n");
        if (withSdk) project.Append("  <Sdk Name=\"RemoteCache.Sdk\" />\n");
        project.Append("  <PropertyGroup>\n    <TargetFramework>net10.0</TargetFramework>\n    <Nullable>enable</Nullable>\n");
        if (isApp) project.Append("    <OutputType>Exe</OutputType>\n");
        project.Append("  </PropertyGroup>\n  <ItemGroup>\n");
        foreach (var r in references) project.Append($"    <ProjectReference Include=\"../{Name(r)}/{Name(r)}.csproj\" />\n");
        foreach (var package in packages) project.Append($"    <PackageReference Include=\"{package.Id}\" Version=\"{package.Version}\" />\n");
        project.Append("  </ItemGroup>\n</Project>\n");
        File.WriteAllText(Path.Combine(dir, Name(p) + ".csproj"), project.ToString());

        for (var f = 0; f < filesPerProject; f++)
        {
            File.WriteAllText(Path.Combine(dir, $"C{f:000}.cs"), SourceFile(p, f, references, packages.Select(x => x.Use).ToList()));
        }
        if (isApp)
        {
            File.WriteAllText(Path.Combine(dir, "Program.cs"), $"System.Console.WriteLine({Name(p)}.C000.M0(1));\n");
        }
    }

    /// <summary>
    /// Test project t covers the last project of layer t (which reaches lower layers through its references): each
    /// test calls into it a few hundred thousand times and checks that the result is deterministic.
    /// </summary>
    private void WriteTestProject(string root, int t, bool withSdk)
    {
        var dir = Path.Combine(root, TestName(t));
        Directory.CreateDirectory(dir);
        var target = Math.Min(projects - 1, t * 10 + 9);
        var project = new StringBuilder("<Project Sdk=\"Microsoft.NET.Sdk\">\n");
        if (withSdk) project.Append("  <Sdk Name=\"RemoteCache.Sdk\" />\n");
        project.Append("""
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <IsPackable>false</IsPackable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.12.0" />
                <PackageReference Include="xunit" Version="2.9.3" />
                <PackageReference Include="xunit.runner.visualstudio" Version="3.1.5" />

            """);
        project.Append($"    <ProjectReference Include=\"../{Name(target)}/{Name(target)}.csproj\" />\n  </ItemGroup>\n</Project>\n");
        File.WriteAllText(Path.Combine(dir, TestName(t) + ".csproj"), project.ToString());
        for (var c = 0; c < TestClasses; c++)
        {
            var text = new StringBuilder($"namespace {TestName(t)};\n\npublic class Tests{c}\n{{\n");
            for (var m = 0; m < TestsPerClass; m++)
            {
                text.Append($"    [Xunit.Fact]\n    public void Test{m}()\n    {{\n");
                text.Append($"        static int Run() {{ var sum = 0; for (var i = 0; i < 300_000; i++) sum += {Name(target)}.C{(c * TestsPerClass + m) % filesPerProject:000}.M{m % 8}(i); return sum; }}\n");
                text.Append("        Xunit.Assert.Equal(Run(), Run());\n    }\n\n");
            }
            File.WriteAllText(Path.Combine(dir, $"Tests{c}.cs"), text.Append("}\n").ToString());
        }
    }

    private string SourceFile(int p, int f, List<int> references, List<string> packageUses)
    {
        var text = new StringBuilder($"namespace {Name(p)};\n\n/// <summary>Generated class {f} of project {p}.</summary>\npublic static class C{f:000}\n{{\n");
        for (var m = 0; m < 8; m++)
        {
            var call = references.Count > 0 ? $" + {Name(references[(f + m) % references.Count])}.C{(f + m) % filesPerProject:000}.M{m}(x)" : "";
            var package = packageUses.Count > 0 && m == 0 ? $" + {packageUses[f % packageUses.Count]}" : "";
            text.Append($"    /// <summary>Method {m}.</summary>\n    public static int M{m}(int x)\n    {{\n");
            text.Append($"        var y = x * {p + 3} + {f * 8 + m}{call}{package};\n");
            text.Append($"        for (var i = 0; i < {m + 1}; i++) y ^= (y << 3) + i + Salt();\n        return y;\n    }}\n\n");
        }
        text.Append("    private static int Salt() => 0;\n}\n");
        return text.ToString();
    }
}
