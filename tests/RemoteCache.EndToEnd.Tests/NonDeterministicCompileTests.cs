using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>
/// Issue 23, item 3: a compile with Deterministic=false may write different bytes every time (a build number from
/// AssemblyVersion("1.0.*"), a fresh MVID), so it is never restored nor saved; one message says why.
/// </summary>
public sealed class NonDeterministicCompileTests
{
    [Fact]
    public void DeterministicFalseIsNeverCachedAndSaysSoOnce()
    {
        using var ws = new Workspace("non-deterministic");
        ws.Write("Both.slnx", """
            <Solution>
              <Project Path="Plain/Plain.csproj" />
              <Project Path="Stamped/Stamped.csproj" />
            </Solution>
            """);
        ws.Write("Plain/Plain.csproj", Project(""));
        ws.Write("Plain/Code.cs", "namespace Plain; public static class Code { public static int Answer() => 42; }\n");
        // The wildcard version only compiles without Deterministic: the compiler stamps the build date and time into it.
        ws.Write("Stamped/Stamped.csproj", Project("<GenerateAssemblyVersionAttribute>false</GenerateAssemblyVersionAttribute>"));
        ws.Write("Stamped/Code.cs", "[assembly: System.Reflection.AssemblyVersion(\"1.0.*\")]\nnamespace Stamped; public static class Code { public static int Answer() => 42; }\n");
        string[] projects = ["Plain", "Stamped"];

        // One node, so "once per node and build" is exactly once.
        var first = ws.Build("-m:1");
        Assert.True(first.Succeeded, first.Describe());
        Assert.All(projects, p => Assert.Equal("miss", first.CompileResults.GetValueOrDefault(p)));

        ws.Clean();
        var second = ws.Build("-m:1");
        Assert.True(second.Succeeded, second.Describe());
        Assert.All(projects, p => Assert.Equal("miss", second.CompileResults.GetValueOrDefault(p)));
        Assert.DoesNotContain("restored from", second.Output);

        Assert.DoesNotContain("saved to cache", first.Output + second.Output);
        Assert.Empty(Entries(ws));
        Assert.Single(NotCachedMessages(first));
        Assert.Single(NotCachedMessages(second));
    }

    private static string Project(string properties) => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <Sdk Name="RemoteCache.Sdk" />
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Deterministic>false</Deterministic>
            {properties}
          </PropertyGroup>
        </Project>
        """;

    private static List<string> NotCachedMessages(BuildResult build) =>
        build.Output.Split('\n').Where(l => l.Contains("RCACHE018", StringComparison.Ordinal) && l.Contains("Deterministic", StringComparison.Ordinal))
            .Select(l => l.Trim()).Distinct().ToList();

    /// <summary>Every file under the local tier's entry map (entries and the per-project indexes of their keys).</summary>
    private static string[] Entries(Workspace ws)
    {
        var entries = Path.Combine(ws.CacheDir, "v1", "entries");
        return Directory.Exists(entries) ? Directory.GetFiles(entries, "*", SearchOption.AllDirectories) : [];
    }
}
