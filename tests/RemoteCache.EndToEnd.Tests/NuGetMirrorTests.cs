using System.Diagnostics;
using System.Text.Json;
using RemoteCache.EndToEnd.Tests.Infrastructure;
using RemoteCache.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>
/// NuGetMirrorUrl with real restores: the mirror is the nginx static feed of tests/infra, "public" is a loopback
/// feed that records every request and has no packages. One class, so its tests never read each other's requests
/// in the mirror's access log.
/// </summary>
public sealed class NuGetMirrorTests(ITestOutputHelper output)
{
    private static readonly Lazy<MirroredPackages> Published = new(Publish, LazyThreadSafetyMode.ExecutionAndPublication);

    private static string Mirror => NuGetMirrorFeed.Url;

    [Fact]
    public void RestoreAndBuildTakeEveryPackageFromTheMirrorAndAskNoOtherSource()
    {
        var packages = Published.Value;
        using var publicFeed = PublicFeed();
        using var ws = new Workspace("mirror-routing");
        WriteNuGetConfig(ws, publicFeed);
        ws.Write("Directory.Build.props", $"""
            <Project>
              <PropertyGroup>
                <NuGetMirrorUrl>{Mirror}</NuGetMirrorUrl>
                <!-- Sources can also come from here: the mirror replaces these too. -->
                <RestoreAdditionalProjectSources>{publicFeed.Url}</RestoreAdditionalProjectSources>
              </PropertyGroup>
            </Project>
            """);
        WriteProject(ws, "Lib", sdk: true, packages: []);
        ws.Write("Lib/Name.cs", "namespace Lib; public static class Name { public const string Value = \"lib\"; }\n");
        WriteProject(ws, "App", sdk: true, packages: [packages.Json, packages.Zstd], extra: """<ProjectReference Include="../Lib/Lib.csproj" />""", exe: true);
        ws.Write("App/Program.cs", """
            var packed = new ZstdSharp.Compressor().Wrap(new byte[] { 1, 2, 3 }).Length > 0;
            System.Console.WriteLine(Newtonsoft.Json.JsonConvert.SerializeObject(new { packed, from = Lib.Name.Value }));
            """);
        ws.Write("Mirrored.slnx", """
            <Solution>
              <Project Path="App/App.csproj" />
              <Project Path="Lib/Lib.csproj" />
            </Solution>
            """);

        // dotnet restore of one project, then dotnet build of the solution (its implicit restore), each starting
        // from an empty packages folder and HTTP cache, so every package must be downloaded again.
        AssertRestoredFromTheMirrorOnly(ws, publicFeed, packages, "restore", () => ws.Dotnet("restore", "App/App.csproj"));
        AssertRestoredFromTheMirrorOnly(ws, publicFeed, packages, "build", () =>
        {
            var build = ws.Build();
            return new ProcessResult(build.ExitCode, build.Output);
        });

        var run = ProcessRunner.Run("dotnet", [ws.PathOf("App/bin/Debug/net10.0/App.dll")], ws.Source, DotnetEnvironment.Variables);
        Assert.Equal("""{"packed":true,"from":"lib"}""", run.Output.Trim());
    }

    [Fact]
    public void AnUnreachableMirrorStopsRestoreAndBuildWithinSecondsWithAnErrorThatNamesIt()
    {
        using var ws = new Workspace("mirror-down");
        WriteProject(ws, "App", sdk: true, packages: [("Newtonsoft.Json", "13.0.1")]);
        var mirror = LoopbackHttpServer.ClosedPortUrl().ToString();

        var clock = Stopwatch.StartNew();
        var build = ws.Build("App/App.csproj", $"-p:NuGetMirrorUrl={mirror}");
        var buildTime = clock.Elapsed;
        clock.Restart();
        var restore = ws.Dotnet("restore", "App/App.csproj", $"-p:NuGetMirrorUrl={mirror}");
        var restoreTime = clock.Elapsed;

        output.WriteLine($"unreachable mirror: dotnet build failed after {buildTime.TotalSeconds:0.0} s, dotnet restore after {restoreTime.TotalSeconds:0.0} s");
        foreach (var (result, elapsed) in new[] { (new ProcessResult(build.ExitCode, build.Output), buildTime), (restore, restoreTime) })
        {
            Assert.NotEqual(0, result.ExitCode);
            Assert.True(elapsed < TimeSpan.FromSeconds(30), $"failed after {elapsed}:\n{result.Output}");
            var error = Assert.Single(Lines(result.Output, "error RCACHE012"));
            Assert.Contains($"the NuGet mirror {mirror} (NuGetMirrorUrl) is unreachable", error);
            Assert.Contains("-p:NuGetMirrorUrl=", error);
            Assert.Contains("NuGetMirrorFallback=true", error);
            Assert.DoesNotContain("NU1301", result.Output); // NuGet never got to try (and retry) the mirror
        }
        Assert.False(File.Exists(ws.PathOf("App/obj/project.assets.json")));

        // Credentials in the URL: refused, and the password never printed.
        var withPassword = mirror.Replace("http://", "http://ci:s3cret-pw@", StringComparison.Ordinal);
        var credentials = ws.Dotnet("restore", "App/App.csproj", $"-p:NuGetMirrorUrl={withPassword}");
        Assert.NotEqual(0, credentials.ExitCode);
        Assert.Contains(mirror.Replace("http://", "http://ci:***@", StringComparison.Ordinal), Assert.Single(Lines(credentials.Output, "error RCACHE013")));
        Assert.DoesNotContain("s3cret-pw", credentials.Output);

        // Asked for: a fallback to NuGet.config's sources, with a warning.
        var fallback = ws.Dotnet("restore", "App/App.csproj", $"-p:NuGetMirrorUrl={mirror}", "-p:NuGetMirrorFallback=true");
        Assert.True(fallback.ExitCode == 0, fallback.Output);
        Assert.Contains("NuGetMirrorFallback=true: this restore uses the sources in NuGet.config instead", Assert.Single(Lines(fallback.Output, "warning RCACHE012")));
        Assert.Equal([SdkPackage.Feed, "https://api.nuget.org/v3/index.json"], RestoreSources(ws, "App").Order(StringComparer.Ordinal).Select(s => s.TrimEnd('/')));
    }

    [Fact]
    public void WithoutNuGetMirrorUrlRestoreSeesExactlyWhatItSeesWithoutTheSdk()
    {
        var packages = Published.Value; // the SDK itself comes from the mirror of this NuGet.config
        using var publicFeed = PublicFeed();
        using var ws = new Workspace("mirror-off");
        WriteNuGetConfig(ws, publicFeed);
        Directory.CreateDirectory(ws.PathOf("extra-feed"));
        ws.Write("Directory.Build.props", """
            <Project>
              <PropertyGroup>
                <RestoreAdditionalProjectSources>$(MSBuildThisFileDirectory)extra-feed</RestoreAdditionalProjectSources>
              </PropertyGroup>
            </Project>
            """);
        WriteProject(ws, "WithSdk", sdk: true, packages: [packages.Json, packages.Zstd]);
        WriteProject(ws, "Plain", sdk: false, packages: [packages.Json, packages.Zstd]);
        ws.Write("Compare.slnx", """
            <Solution>
              <Project Path="WithSdk/WithSdk.csproj" />
              <Project Path="Plain/Plain.csproj" />
            </Solution>
            """);
        // Fresh caches: NuGet's HTTP cache would otherwise serve an SDK package of the same version packed earlier.
        ws.Environment["NUGET_PACKAGES"] = Path.Combine(ws.Root, "packages");
        ws.Environment["NUGET_HTTP_CACHE_PATH"] = Path.Combine(ws.Root, "http-cache");

        // The restore graph is everything NuGet restores from: sources, config files, folders, frameworks, packages.
        var mark = NuGetMirrorFeed.Mark();
        var off = RestoreGraph(ws, "off");
        Assert.Equal(Spec(off, "Plain"), Spec(off, "WithSdk"));
        Assert.Equal(3, Sources(off, "WithSdk").Count); // the mirror and "public" from NuGet.config, and extra-feed
        Assert.DoesNotContain(NuGetMirrorFeed.RequestsSince(mark), IsProbe);

        // The same comparison sees the mirror when it is on: only the SDK's project changes, to the mirror alone.
        mark = NuGetMirrorFeed.Mark();
        var on = RestoreGraph(ws, "on", $"-p:NuGetMirrorUrl={Mirror}");
        Assert.Equal([Mirror], Sources(on, "WithSdk"));
        Assert.Equal(Spec(off, "Plain"), Spec(on, "Plain"));
        Assert.NotEqual(Spec(on, "Plain"), Spec(on, "WithSdk"));
        Assert.Contains(NuGetMirrorFeed.RequestsSince(mark), IsProbe);
    }

    private sealed record MirroredPackages((string Id, string Version) Json, (string Id, string Version) Zstd);

    /// <summary>Two packages this test project was restored with, and the SDK under test, published to the mirror.</summary>
    private static MirroredPackages Publish()
    {
        var json = RestoredPackages.Find("Newtonsoft.Json");
        var zstd = RestoredPackages.Find("ZstdSharp.Port");
        NuGetMirrorFeed.Publish(json.Nupkg);
        NuGetMirrorFeed.Publish(zstd.Nupkg);
        NuGetMirrorFeed.Publish(Directory.GetFiles(SdkPackage.Feed, "RemoteCache.Sdk.*.nupkg").Single());
        return new(("Newtonsoft.Json", json.Version), ("ZstdSharp.Port", zstd.Version));
    }

    /// <summary>The public feed stand-in: a valid service index, no packages, every request recorded.</summary>
    private static LoopbackHttpServer PublicFeed()
    {
        LoopbackHttpServer? feed = null;
        feed = new LoopbackHttpServer(path => path == "/v3/index.json"
            ? (200, $$"""{"version":"3.0.0","resources":[{"@id":"{{feed!.BaseUrl}}/v3-flatcontainer/","@type":"PackageBaseAddress/3.0.0"}]}""")
            : (404, ""));
        return feed;
    }

    /// <summary>The team mirror first, then the public feed; plain http is allowed for both (loopback test servers).</summary>
    private static void WriteNuGetConfig(Workspace ws, LoopbackHttpServer publicFeed) => ws.Write("NuGet.config", $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="team-mirror" value="{Mirror}" allowInsecureConnections="true" />
            <add key="public" value="{publicFeed.Url}" allowInsecureConnections="true" />
          </packageSources>
        </configuration>
        """);

    private static void WriteProject(Workspace ws, string name, bool sdk, (string Id, string Version)[] packages, string extra = "", bool exe = false)
    {
        var references = string.Concat(packages.Select(p => $"""<PackageReference Include="{p.Id}" Version="{p.Version}" />"""));
        ws.Write($"{name}/{name}.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              {(sdk ? """<Sdk Name="RemoteCache.Sdk" />""" : "")}
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                {(exe ? "<OutputType>Exe</OutputType>" : "")}
              </PropertyGroup>
              <ItemGroup>{references}{extra}</ItemGroup>
            </Project>
            """);
    }

    /// <summary>
    /// Runs a restore with an empty packages folder and HTTP cache and asserts: it succeeded, the mirror served every
    /// package the assets file lists (and the SDK, resolved from global.json), no project lists another source, and
    /// the public feed was never asked for a package (the SDK resolver alone may look the SDK up there).
    /// </summary>
    private static void AssertRestoredFromTheMirrorOnly(Workspace ws, LoopbackHttpServer publicFeed, MirroredPackages packages, string name, Func<ProcessResult> restore)
    {
        ws.Environment["NUGET_PACKAGES"] = Path.Combine(ws.Root, "packages-" + name);
        ws.Environment["NUGET_HTTP_CACHE_PATH"] = Path.Combine(ws.Root, "http-cache-" + name);
        var mark = NuGetMirrorFeed.Mark();
        var asked = publicFeed.Requests.Count;

        var result = restore();

        Assert.True(result.ExitCode == 0, result.Output);
        var served = NuGetMirrorFeed.RequestsSince(mark);
        var assets = JsonDocument.Parse(File.ReadAllText(ws.PathOf("App/obj/project.assets.json"))).RootElement;
        var restored = assets.GetProperty("libraries").EnumerateObject().Where(l => l.Value.GetProperty("type").GetString() == "package")
            .Select(l => (Id: l.Name[..l.Name.IndexOf('/')], Version: l.Name[(l.Name.IndexOf('/') + 1)..])).ToList();
        Assert.Equal([packages.Json, packages.Zstd], restored.Order());
        foreach (var (id, version) in restored.Append(("RemoteCache.Sdk", SdkPackage.Version)))
        {
            Assert.Contains(served, line => line.Contains($"\"GET {NuGetMirrorFeed.PackagePath(id, version)} HTTP/1.1\" 200 ", StringComparison.Ordinal));
        }
        Assert.Equal([Mirror], RestoreSources(ws, "App"));
        Assert.Equal([Mirror], RestoreSources(ws, "Lib"));
        Assert.All(publicFeed.Requests.Skip(asked), request => Assert.True(
            request == "GET /v3/index.json" || request.Contains("/remotecache.sdk/", StringComparison.Ordinal), $"{name}: the public feed was asked '{request}'"));
    }

    private static IReadOnlyList<string> RestoreSources(Workspace ws, string project) =>
        [.. JsonDocument.Parse(File.ReadAllText(ws.PathOf($"{project}/obj/project.assets.json"))).RootElement
            .GetProperty("project").GetProperty("restore").GetProperty("sources").EnumerateObject().Select(s => s.Name)];

    private static JsonElement RestoreGraph(Workspace ws, string name, params string[] arguments)
    {
        var output = Path.Combine(ws.Root, name + ".dg.json");
        var result = ws.Dotnet(["msbuild", "Compare.slnx", "-nologo", "-t:GenerateRestoreGraphFile", $"-p:RestoreGraphOutputPath={output}", .. arguments]);
        Assert.True(result.ExitCode == 0, result.Output);
        return JsonDocument.Parse(File.ReadAllText(output)).RootElement.GetProperty("projects");
    }

    /// <summary>A project's whole restore spec, its own name and paths neutralised so two projects compare.</summary>
    private static string Spec(JsonElement graph, string project) =>
        graph.EnumerateObject().Single(p => p.Name.EndsWith($"/{project}.csproj", StringComparison.Ordinal)).Value.GetRawText().Replace(project, "PROJECT", StringComparison.Ordinal);

    private static IReadOnlyList<string> Sources(JsonElement graph, string project) =>
        [.. graph.EnumerateObject().Single(p => p.Name.EndsWith($"/{project}.csproj", StringComparison.Ordinal)).Value
            .GetProperty("restore").GetProperty("sources").EnumerateObject().Select(s => s.Name)];

    /// <summary>The SDK's own probe of the service index (its user agent), as opposed to NuGet's requests.</summary>
    private static bool IsProbe(string accessLogLine) => accessLogLine.EndsWith("\"RemoteCache.Sdk/1\"", StringComparison.Ordinal);

    private static IEnumerable<string> Lines(string output, string marker) =>
        output.Split('\n').Select(l => l.Trim()).Where(l => l.Contains(marker, StringComparison.Ordinal)).Distinct();
}
