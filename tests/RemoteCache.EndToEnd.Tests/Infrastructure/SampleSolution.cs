namespace RemoteCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The solution the tests build: Util (a library), Lib (a library referencing Util and a NuGet package, with a
/// documentation file, a compiler warning, an embedded resource and an additional file) and App (a console app
/// referencing Lib).
/// </summary>
public static class SampleSolution
{
    public static readonly string[] Projects = ["Util", "Lib", "App"];

    public const string ExpectedAppOutput = "HELLO FROM LIB!";

    public static void Create(Workspace workspace)
    {
        workspace.Write("Sample.slnx", """
            <Solution>
              <Project Path="Util/Util.csproj" />
              <Project Path="Lib/Lib.csproj" />
              <Project Path="App/App.csproj" />
            </Solution>
            """);

        workspace.Write("Util/Util.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <Sdk Name="RemoteCache.Sdk" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
              </PropertyGroup>
            </Project>
            """);
        // Block namespace and plain syntax: the target-framework scenario compiles this for netstandard2.0 too.
        workspace.Write("Util/Text.cs", """
            namespace Util
            {
                public static class Text
                {
                    public static string Shout(string s) { return s.ToUpperInvariant() + Suffix(); }

                    private static string Suffix() { return "!"; }
                }
            }
            """);

        workspace.Write("Lib/Lib.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <Sdk Name="RemoteCache.Sdk" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <GenerateDocumentationFile>true</GenerateDocumentationFile>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="../Util/Util.csproj" />
                <PackageReference Include="Newtonsoft.Json" Version="13.0.1" />
                <EmbeddedResource Include="greeting.txt" LogicalName="greeting" />
                <AdditionalFiles Include="data.txt" />
                <GlobalAnalyzerConfigFiles Include="rules.globalconfig" />
              </ItemGroup>
            </Project>
            """);
        workspace.Write("Lib/Greeter.cs", """
            namespace Lib;

            /// <summary>Greets.</summary>
            public static class Greeter
            {
                /// <summary>The greeting, read from an embedded resource.</summary>
                public static string Hello()
                {
                    int unused;
                    using var stream = typeof(Greeter).Assembly.GetManifestResourceStream("greeting")!;
                    using var reader = new System.IO.StreamReader(stream);
                    return Util.Text.Shout(reader.ReadToEnd().Trim() + " from lib");
                }
            }
            """);
        workspace.Write("Lib/Helper.cs", """
            namespace Lib;

            internal static class Helper
            {
                internal static int Twice(int x) => 2 * x;
            }
            """);
        workspace.Write("Lib/greeting.txt", "hello");
        workspace.Write("Lib/data.txt", "additional data v1");
        workspace.Write("Lib/rules.globalconfig", "is_global = true\n");

        workspace.Write("App/App.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <Sdk Name="RemoteCache.Sdk" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <OutputType>Exe</OutputType>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="../Lib/Lib.csproj" />
              </ItemGroup>
            </Project>
            """);
        workspace.Write("App/Program.cs", "System.Console.WriteLine(Lib.Greeter.Hello());\n");
    }

    /// <summary>
    /// A solution of independent one-class libraries that use the SDK, each with its own extra properties (a CacheUrl,
    /// a misconfiguration): many cache setups tested in one build.
    /// </summary>
    public static void CreateLibraries(Workspace workspace, string solution, IEnumerable<(string Project, string Properties)> libraries)
    {
        var list = libraries.ToList();
        workspace.Write(solution, "<Solution>\n" + string.Concat(list.Select(l => $"  <Project Path=\"{l.Project}/{l.Project}.csproj\" />\n")) + "</Solution>\n");
        foreach (var (project, properties) in list)
        {
            workspace.Write($"{project}/{project}.csproj", $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <Sdk Name="RemoteCache.Sdk" />
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    {properties}
                  </PropertyGroup>
                </Project>
                """);
            workspace.Write($"{project}/Code.cs", $$"""
                namespace {{project}};

                public static class Code
                {
                    public static string Version() { int unused; return "v1"; }
                }
                """);
        }
    }

    /// <summary>Replaces text in a file of the tree, failing if the text is not there (a scenario that changes nothing proves nothing).</summary>
    public static void Replace(Workspace workspace, string relative, string from, string to)
    {
        var path = workspace.PathOf(relative);
        var text = File.ReadAllText(path);
        if (!text.Contains(from, StringComparison.Ordinal)) throw new InvalidOperationException($"'{from}' not found in {relative}");
        File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal));
    }

    public static ProcessResult RunApp(string sourceRoot, string configuration = "Debug") =>
        ProcessRunner.Run("dotnet", [Path.Combine(sourceRoot, "App", "bin", configuration, "net10.0", "App.dll")], sourceRoot, DotnetEnvironment.Variables);
}
