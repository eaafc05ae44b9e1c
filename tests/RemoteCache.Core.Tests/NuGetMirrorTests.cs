using System.Diagnostics;
using RemoteCache.Core.Mirror;
using RemoteCache.TestSupport;

namespace RemoteCache.Core.Tests;

/// <summary>NuGetMirrorUrl parsing, the service-index probe against loopback servers, and what restore is told.</summary>
public sealed class NuGetMirrorTests
{
    private const string ServiceIndex = """{"version":"3.0.0","resources":[{"@id":"http://127.0.0.1/v3-flatcontainer/","@type":"PackageBaseAddress/3.0.0"}]}""";

    [Theory]
    [InlineData("https://nexus.example.com/repository/nuget-group/index.json")]
    [InlineData("  http://127.0.0.1:8080/v3/index.json  ")]
    [InlineData("https://company.jfrog.io/artifactory/api/nuget/v3/nuget-remote/index.json")]
    public void AcceptsOneHttpUrl(string text)
    {
        Assert.True(NuGetMirrorAddress.TryParse(text, out var address, out var problem), problem);
        Assert.Equal(text.Trim(), address!.Text);
    }

    [Theory]
    [InlineData("nexus.example.com/repository/nuget-group/index.json", "not an http(s) URL")]
    [InlineData("file:///srv/feed", "not an http(s) URL")]
    [InlineData("/srv/feed", "not an http(s) URL")]
    [InlineData("https://a.example/v3/index.json;https://api.nuget.org/v3/index.json", "more than one source")]
    public void RejectsWhatIsNotOneServiceIndexUrl(string text, string expected)
    {
        Assert.False(NuGetMirrorAddress.TryParse(text, out var address, out var problem));
        Assert.Null(address);
        Assert.Contains(expected, problem);
        Assert.Contains("NuGetMirrorUrl", problem);
    }

    [Fact]
    public void RejectsCredentialsInTheUrlWithoutPrintingThePassword()
    {
        Assert.False(NuGetMirrorAddress.TryParse("https://ci:s3cret-token@mirror.example/v3/index.json", out _, out var problem));
        Assert.DoesNotContain("s3cret-token", problem);
        Assert.Contains("https://ci:***@mirror.example/v3/index.json", problem);
        Assert.Contains("NuGetPackageSourceCredentials_", problem);
        var verdict = NuGetMirrorVerdict.Malformed(problem!);
        Assert.True(verdict.IsError);
        Assert.Equal(MirrorProblem.Misconfigured, verdict.Problem);
        Assert.Contains("-p:NuGetMirrorUrl=", verdict.Message);
    }

    [Fact]
    public void MasksSecretQueryParameters()
    {
        Assert.True(NuGetMirrorAddress.TryParse("https://mirror.example/v3/index.json?token=abc123", out var address, out _));
        Assert.DoesNotContain("abc123", address!.Masked);
        Assert.Contains("token=***", address.Masked);
    }

    [Fact]
    public async Task AServiceIndexIsReady()
    {
        using var server = LoopbackHttpServer.Answering(200, ServiceIndex);
        var result = await NuGetMirrorProbe.ProbeAsync(server.Url, TimeSpan.FromSeconds(10), default);
        Assert.Equal(MirrorState.Ready, result.State);
        var verdict = Decide(server.Url, result, fallback: false);
        Assert.True(verdict.UseMirror);
        Assert.False(verdict.IsError);
    }

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    public async Task AMirrorAskingForCredentialsIsUsedNuGetAuthenticates(int status)
    {
        using var server = LoopbackHttpServer.Answering(status);
        var result = await NuGetMirrorProbe.ProbeAsync(server.Url, TimeSpan.FromSeconds(10), default);
        Assert.Equal(MirrorState.NeedsCredentials, result.State);
        Assert.True(Decide(server.Url, result, fallback: false).UseMirror);
    }

    [Theory]
    [InlineData(404, "")]
    [InlineData(200, "<html>login</html>")]
    [InlineData(200, """{"version":"2.0.0","resources":[]}""")]
    [InlineData(200, """{"data":[]}""")]
    public async Task AnAnswerThatIsNoV3IndexIsAMisconfiguration(int status, string body)
    {
        using var server = LoopbackHttpServer.Answering(status, body);
        var result = await NuGetMirrorProbe.ProbeAsync(server.Url, TimeSpan.FromSeconds(10), default);
        Assert.Equal(MirrorState.NotServiceIndex, result.State);
        var verdict = Decide(server.Url, result, fallback: false);
        Assert.True(verdict.IsError);
        Assert.Equal(MirrorProblem.Misconfigured, verdict.Problem);
        Assert.Contains(server.Url.ToString(), verdict.Message);
        Assert.Contains("/v3/index.json", verdict.Message);
    }

    [Fact]
    public async Task AServerErrorIsAnOutageRetriedOnce()
    {
        using var server = LoopbackHttpServer.Answering(503);
        var result = await NuGetMirrorProbe.ProbeAsync(server.Url, TimeSpan.FromSeconds(10), default);
        Assert.Equal(MirrorState.Unreachable, result.State);
        Assert.Contains("503", result.Detail);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task AClosedPortFailsAtOnceWithAnErrorThatSaysHowToTurnTheMirrorOff()
    {
        var url = LoopbackHttpServer.ClosedPortUrl();
        var clock = Stopwatch.StartNew();
        var result = await NuGetMirrorProbe.ProbeAsync(url, TimeSpan.FromSeconds(10), default);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal(MirrorState.Unreachable, result.State);
        Assert.Contains("refused", result.Detail, StringComparison.OrdinalIgnoreCase);

        var verdict = Decide(url, result, fallback: false);
        Assert.True(verdict.IsError);
        Assert.False(verdict.UseMirror);
        Assert.Equal(MirrorProblem.Unreachable, verdict.Problem);
        Assert.Contains(url.ToString(), verdict.Message);
        Assert.Contains("-p:NuGetMirrorUrl=", verdict.Message);
        Assert.Contains("NuGetMirrorFallback=true", verdict.Message);
    }

    [Fact]
    public async Task AHungServerTimesOutAtTheDeadline()
    {
        using var server = LoopbackHttpServer.Silent();
        var clock = Stopwatch.StartNew();
        var result = await NuGetMirrorProbe.ProbeAsync(server.Url, TimeSpan.FromSeconds(1), default);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        Assert.Equal(MirrorState.Unreachable, result.State);
        Assert.Contains("no answer within 1 s", result.Detail);
    }

    [Fact]
    public void WithFallbackAnOutageIsAWarningAndRestoreLeavesTheMirror()
    {
        Assert.True(NuGetMirrorAddress.TryParse("http://127.0.0.1:9/v3/index.json", out var address, out _));
        var verdict = NuGetMirrorVerdict.Decide(address!, new MirrorProbeResult(MirrorState.Unreachable, "Connection refused", TimeSpan.Zero), fallback: true);
        Assert.False(verdict.IsError);
        Assert.False(verdict.UseMirror);
        Assert.Equal(MirrorProblem.Unreachable, verdict.Problem);
        Assert.Contains("NuGetMirrorFallback=true", verdict.Message);
        Assert.Contains("NuGet.config", verdict.Message);
    }

    private static NuGetMirrorVerdict Decide(Uri url, MirrorProbeResult result, bool fallback)
    {
        Assert.True(NuGetMirrorAddress.TryParse(url.ToString(), out var address, out _));
        return NuGetMirrorVerdict.Decide(address!, result, fallback);
    }
}
