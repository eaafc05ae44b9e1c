namespace RemoteCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A library and a test project for it that use the packed SDK with CacheTests=true: two passing tests (one reads a
/// data file copied to the output folder) and a skipped one.
/// </summary>
internal static class TestProjects
{
    public static void CreateXunit(Workspace ws) => Create(ws, """
            <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.12.0" />
            <PackageReference Include="xunit" Version="2.9.3" />
            <PackageReference Include="xunit.runner.visualstudio" Version="3.1.5" />
        """, """
        using Xunit;

        public class CalcTests
        {
            [Fact] public void Adds() => Assert.Equal(3, Lib.Calc.Add(1, 2));
            [Fact] public void ReadsItsData() => Assert.StartsWith("hello", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data.txt")));
            [Fact(Skip = "not yet")] public void Later() { }
        }
        """);

    /// <summary>Multi-targeted (TargetFrameworks), so its test run goes through the outer build's dispatch to the inner one.</summary>
    public static void CreateMSTest(Workspace ws) => Create(ws, """
            <PackageReference Include="MSTest" Version="4.5.3" />
        """, MSTestSource, multiTargeted: true);

    private const string MSTestSource = """
        using Microsoft.VisualStudio.TestTools.UnitTesting;

        [TestClass]
        public class CalcTests
        {
            [TestMethod] public void Adds() => Assert.AreEqual(3, Lib.Calc.Add(1, 2));
            [TestMethod] public void ReadsItsData() => Assert.StartsWith("hello", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data.txt")));
            [TestMethod, Ignore("not yet")] public void Later() { }
        }
        """;

    /// <summary>
    /// An MSTest project on Microsoft.Testing.Platform: with MSTest 3 (platform 1.x) `dotnet test` runs it through the
    /// VSTest target (TestingPlatformDotnetTestSupport); with MSTest 4 (platform 2.x) `dotnet build -t:Test` runs it.
    /// </summary>
    public static void CreateTestingPlatform(Workspace ws, string msTestVersion) => Create(ws, $"""
            <PackageReference Include="MSTest" Version="{msTestVersion}" />
        """, MSTestSource, properties: """
                <EnableMSTestRunner>true</EnableMSTestRunner>
                <OutputType>Exe</OutputType>
                <TestingPlatformDotnetTestSupport>true</TestingPlatformDotnetTestSupport>
        """);

    private static void Create(Workspace ws, string packages, string tests, bool multiTargeted = false, string properties = "")
    {
        var frameworks = multiTargeted ? "<TargetFrameworks>net10.0</TargetFrameworks>" : "<TargetFramework>net10.0</TargetFramework>";
        ws.Write("Lib/Lib.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <Sdk Name="RemoteCache.Sdk" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
              </PropertyGroup>
            </Project>
            """);
        ws.Write("Lib/Calc.cs", "namespace Lib;\n\npublic static class Calc\n{\n    public static int Add(int a, int b) => a + b;\n}\n");
        ws.Write("Tests/Tests.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Sdk Name="RemoteCache.Sdk" />
              <PropertyGroup>
                {frameworks}
                <ImplicitUsings>enable</ImplicitUsings>
                <IsPackable>false</IsPackable>
                <CacheTests>true</CacheTests>
            {properties}
              </PropertyGroup>
              <ItemGroup>
            {packages}
                <ProjectReference Include="../Lib/Lib.csproj" />
                <None Include="data.txt" CopyToOutputDirectory="PreserveNewest" />
              </ItemGroup>
            </Project>
            """);
        ws.Write("Tests/data.txt", "hello\n");
        ws.Write("Tests/CalcTests.cs", tests);
    }
}
