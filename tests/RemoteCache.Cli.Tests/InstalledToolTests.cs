using System.Diagnostics;
using RemoteCache.Core.Storage;

namespace RemoteCache.Cli.Tests;

/// <summary>The packed tool, installed with `dotnet tool install` and run as `remotecache`, as users get it.</summary>
public sealed class InstalledToolTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "rc-cli-tool-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task PackedToolInstallsAndRunsAsRemotecache()
    {
        var feed = Path.Combine(_root, "feed");
        // The test run built the tool already; packing must not build it again while other tests use its output.
        Run("dotnet", "pack", Path.Combine(RepositoryRoot(), "src", "RemoteCache.Cli"), "-c", BuildConfiguration(), "--no-build", "-o", feed, "-nologo").AssertSucceeded();
        var package = Path.GetFileNameWithoutExtension(Assert.Single(Directory.GetFiles(feed, "RemoteCache.Tool.*.nupkg")));
        var config = Path.Combine(_root, "nuget.config");
        File.WriteAllText(config, $"""<configuration><packageSources><clear /><add key="tool" value="{feed}" /></packageSources></configuration>""");
        var tools = Path.Combine(_root, "tools");
        Run("dotnet", "tool", "install", "RemoteCache.Tool", "--version", package["RemoteCache.Tool.".Length..], "--tool-path", tools, "--configfile", config).AssertSucceeded();
        var cache = Path.Combine(_root, "cache");
        using (var store = new LocalDiskStore(cache))
        {
            await new CacheContent(store, Path.Combine(_root, "outputs")).SaveAsync("Lib", CacheContent.Output(1), ("source:Greeter.cs", "a"));
        }
        var remotecache = Path.Combine(tools, OperatingSystem.IsWindows() ? "remotecache.exe" : "remotecache");

        var stats = Run(remotecache, "stats", "--local-dir", cache);
        var unreachable = Run(remotecache, "ls", "--cache-url", "redis://:hunter2@127.0.0.1:1");
        var help = Run(remotecache, "--help");

        stats.AssertSucceeded();
        Assert.Contains("entries   1 (1 project)", stats.Output);
        Assert.Equal(ExitCodes.Unavailable, unreachable.ExitCode);
        Assert.DoesNotContain("hunter2", unreachable.Output);
        help.AssertSucceeded();
        foreach (var command in new[] { "stats", "ls", "prune", "clear", "verify", "explain" }) Assert.Contains(command, help.Output);
    }

    private sealed record Result(string Command, int ExitCode, string Output)
    {
        public void AssertSucceeded() => Assert.True(ExitCode == 0, $"{Command} failed ({ExitCode}):\n{Output}");
    }

    private static Result Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var name in new[] { "CacheUrl", "CacheLocalDir", "MSBuildExtensionsPath", "MSBuildSDKsPath" }) info.Environment.Remove(name);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3))) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return new Result($"{file} {string.Join(' ', args)}", process.ExitCode, output + error.Result);
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sdk.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Sdk.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Release under tests/run-tests.sh; whatever this test assembly was built as otherwise.</summary>
    private static string BuildConfiguration() =>
        AppContext.BaseDirectory.Replace('\\', '/').Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
}
