using RemoteCache.Core.Engine;

namespace RemoteCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A scratch folder with a source tree (src/) that uses the packed SDK, a local cache folder (cache/) outside that
/// tree, and helpers to build it with real `dotnet build`.
/// </summary>
public sealed class Workspace : IDisposable
{
    private int _builds;

    public Workspace(string name)
    {
        Root = Path.Combine(RepositoryPaths.TestRoot, "ws", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Source = Path.Combine(Root, "src");
        CacheDir = Path.Combine(Root, "cache");
        Directory.CreateDirectory(Source);
        WriteSdkFiles(Source);
    }

    public string Root { get; }

    /// <summary>The source tree; its own folder can be replaced by a clone (see <see cref="UseSource"/>).</summary>
    public string Source { get; private set; }

    public string CacheDir { get; set; }

    /// <summary>Extra environment for the builds (credentials of a remote tier); null removes a variable.</summary>
    public Dictionary<string, string?> Environment { get; } = new();

    /// <summary>Makes NuGet.config and global.json so that a tree finds the packed SDK.</summary>
    public static void WriteSdkFiles(string folder)
    {
        File.WriteAllText(Path.Combine(folder, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="remotecache-under-test" value="{SdkPackage.Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(folder, "global.json"), $$"""
            { "msbuild-sdks": { "RemoteCache.Sdk": "{{SdkPackage.Version}}" } }
            """);
    }

    public void UseSource(string folder) => Source = folder;

    /// <summary>Writes a Directory.Build.props that brings in the packed SDK as a PackageReference, for the whole tree.</summary>
    public void WritePackageReferenceForm() => Write("Directory.Build.props", $"""
        <Project>
          <ItemGroup>
            <PackageReference Include="RemoteCache.Sdk" Version="{SdkPackage.Version}" PrivateAssets="all" />
          </ItemGroup>
        </Project>
        """);

    public string PathOf(string relative) => Path.Combine(Source, relative);

    public void Write(string relative, string content)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public void Delete(string relative) => File.Delete(PathOf(relative));

    /// <summary>Runs `dotnet build` in the source tree with this workspace's cache and a fresh summary file.</summary>
    public BuildResult Build(params string[] arguments) => BuildIn(Source, arguments);

    /// <summary>Runs `dotnet pack` in the source tree, like <see cref="Build"/>.</summary>
    public BuildResult Pack(params string[] arguments) => Run("pack", Source, arguments);

    public BuildResult BuildIn(string folder, params string[] arguments) => Run("build", folder, arguments);

    /// <summary>Runs `dotnet test` in the source tree (or the given project or folder), like <see cref="Build"/>.</summary>
    public BuildResult Test(params string[] arguments) => Run("test", Source, arguments);

    /// <summary>Runs `dotnet restore` in the source tree (fills the NuGet packages folder before a timed build).</summary>
    public BuildResult Restore(params string[] arguments) => Run("restore", Source, arguments);

    private BuildResult Run(string command, string folder, string[] arguments)
    {
        var summary = Path.Combine(Root, $"summary-{Interlocked.Increment(ref _builds)}.jsonl");
        // A -p:CacheLocalDir among the arguments wins over the workspace's (MSBuild takes the last one).
        var args = new List<string> { command, "-nologo", "-tl:off", "-v:m", $"-p:CacheLocalDir={CacheDir}", $"-p:CacheSummaryFile={summary}" };
        args.AddRange(arguments);
        var result = ProcessRunner.Run("dotnet", args, folder, BuildEnvironment());
        var records = File.Exists(summary) ? SummaryLog.Read(summary) : [];
        return new BuildResult(result.ExitCode, result.Output, records);
    }

    /// <summary>Runs another dotnet command (restore, msbuild) in the source tree with this workspace's environment.</summary>
    public ProcessResult Dotnet(params string[] arguments) => ProcessRunner.Run("dotnet", arguments, Source, BuildEnvironment());

    private Dictionary<string, string?> BuildEnvironment()
    {
        var environment = new Dictionary<string, string?>(DotnetEnvironment.Variables);
        foreach (var (key, value) in Environment) environment[key] = value;
        return environment;
    }

    /// <summary>Starts `dotnet build` without waiting (for tests that kill a build); output goes nowhere.</summary>
    public System.Diagnostics.Process StartBuildIn(string folder, params string[] arguments)
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "build", "-nologo", "-tl:off", "-v:q", $"-p:CacheLocalDir={CacheDir}" }.Concat(arguments)) info.ArgumentList.Add(argument);
        foreach (var (key, value) in DotnetEnvironment.Variables.Concat(Environment))
        {
            if (value is null) info.Environment.Remove(key);
            else info.Environment[key] = value;
        }
        var process = System.Diagnostics.Process.Start(info)!;
        process.StandardInput.Close();
        // Drain the pipes so a chatty build never blocks on a full buffer.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Deletes every bin/ and obj/ folder of the source tree: a clean checkout.</summary>
    public void Clean() => CleanTree(Source);

    public static void CleanTree(string folder)
    {
        foreach (var dir in Directory.GetDirectories(folder, "*", SearchOption.AllDirectories)
                     .Where(d => Path.GetFileName(d) is "bin" or "obj").OrderByDescending(d => d.Length))
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    public void Dispose()
    {
        if (System.Environment.GetEnvironmentVariable("REMOTECACHE_KEEP_TEST_DIRS") == "1") return;
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A build process still holding a file: the OS temp cleaner gets it later.
        }
    }
}
