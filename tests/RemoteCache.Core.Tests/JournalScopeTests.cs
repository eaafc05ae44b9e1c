using RemoteCache.Core.Summary;

namespace RemoteCache.Core.Tests;

public sealed class JournalScopeTests : IDisposable
{
    private readonly TempFolder _temp = new("rc-scope");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void PropertiesMSBuildSetsPerProjectDoNotSplitABuild()
    {
        var project = _temp.Combine("repo", "App");
        var entry = new Dictionary<string, string> { ["CacheUrl"] = "s3://b/p", ["Configuration"] = "Release" };
        var reference = new Dictionary<string, string> { ["CacheUrl"] = "s3://b/p", ["TargetFramework"] = "net10.0", ["Platform"] = "AnyCPU" };
        var otherBuild = new Dictionary<string, string> { ["CacheUrl"] = "s3://b/other" };

        Assert.Equal(JournalScope.Key(entry, project), JournalScope.Key(reference, project));
        Assert.NotEqual(JournalScope.Key(entry, project), JournalScope.Key(otherBuild, project));
    }

    [Fact]
    public void ProjectsOfOneRepositoryShareAScopeAndSubmodulesBelongToTheirParent()
    {
        Directory.CreateDirectory(_temp.Combine("one", ".git"));
        _temp.Write("one/lib/sub/.git", "gitdir: ../../.git/modules/sub");
        Directory.CreateDirectory(_temp.Combine("two", ".git"));
        var none = new Dictionary<string, string>();

        Assert.Equal(JournalScope.Key(none, _temp.Combine("one", "App")), JournalScope.Key(none, _temp.Combine("one", "lib", "sub", "Lib")));
        Assert.NotEqual(JournalScope.Key(none, _temp.Combine("one", "App")), JournalScope.Key(none, _temp.Combine("two", "App")));
    }

    [Fact]
    public void ListedProjectsAreTheSolutionConfigurationsBuiltProjects()
    {
        const string contents = """
            <SolutionConfiguration>
              <ProjectConfiguration Project="{1}" AbsolutePath="/s/A/A.csproj" BuildProjectInSolution="True">Debug|AnyCPU</ProjectConfiguration>
              <ProjectConfiguration Project="{2}" AbsolutePath="/s/B/B.csproj" BuildProjectInSolution="False">Debug|AnyCPU</ProjectConfiguration>
              <ProjectConfiguration Project="{3}" AbsolutePath="/s/C/C.csproj">Debug|AnyCPU</ProjectConfiguration>
            </SolutionConfiguration>
            """;

        Assert.Equal(["/s/A/A.csproj", "/s/C/C.csproj"], JournalScope.ListedProjects(contents));
        Assert.Empty(JournalScope.ListedProjects(""));
        Assert.Empty(JournalScope.ListedProjects("<not xml"));
    }

    [Fact]
    public void GuessesSdkUseFromTheProjectAndTheFilesAboveIt()
    {
        var direct = _temp.Write("a/A.csproj", """<Project Sdk="Microsoft.NET.Sdk"><Sdk Name="RemoteCache.Sdk" /></Project>""");
        _temp.Write("b/Directory.Build.props", """<Project><ItemGroup><PackageReference Include="RemoteCache.Sdk" /></ItemGroup></Project>""");
        var inherited = _temp.Write("b/src/B.csproj", """<Project Sdk="Microsoft.NET.Sdk" />""");
        var without = _temp.Write("c/C.csproj", """<Project Sdk="Microsoft.NET.Sdk" />""");

        Assert.True(SdkProjectGuess.UsesSdk(direct));
        Assert.True(SdkProjectGuess.UsesSdk(inherited));
        Assert.False(SdkProjectGuess.UsesSdk(without));
        Assert.False(SdkProjectGuess.UsesSdk(_temp.Combine("missing", "M.csproj")));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // modes and owners: what the shared temp folder of Unix needs
    public void TheJournalFolderIsMadePrivateAndOldJournalsArePrunedWithoutFollowingLinks()
    {
        var folder = _temp.Combine("tmp", "remotecache-me", "builds");
        Assert.Null(JournalScope.PrepareFolder(folder));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(folder)!));
        var stale = _temp.Write("tmp/remotecache-me/builds/old.jsonl", "{}");
        var fresh = _temp.Write("tmp/remotecache-me/builds/new.jsonl", "{}");
        var victim = _temp.Write("victim.txt", "not a journal");
        File.CreateSymbolicLink(Path.Combine(folder, "link.jsonl"), victim);
        foreach (var old in new[] { stale, victim }) File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddDays(-8));

        Assert.Null(JournalScope.PrepareFolder(folder));

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh));
        Assert.True(File.Exists(victim));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // modes and owners: what the shared temp folder of Unix needs
    public void AJournalFolderThatIsALinkOrWritableByOthersIsRefusedAndLeftAlone()
    {
        var victim = _temp.Write("elsewhere/builds/precious.jsonl", "not a journal");
        File.SetLastWriteTimeUtc(victim, DateTime.UtcNow.AddDays(-30));
        Directory.CreateDirectory(_temp.Combine("tmp"));
        Directory.CreateSymbolicLink(_temp.Combine("tmp", "remotecache-me"), _temp.Combine("elsewhere"));
        var open = _temp.Combine("open", "remotecache-me", "builds");
        Directory.CreateDirectory(open);
        var openVictim = _temp.Write("open/remotecache-me/builds/old.jsonl", "{}");
        File.SetLastWriteTimeUtc(openVictim, DateTime.UtcNow.AddDays(-30));
        File.SetUnixFileMode(Path.GetDirectoryName(open)!, (UnixFileMode)Convert.ToInt32("777", 8));

        var linked = JournalScope.PrepareFolder(_temp.Combine("tmp", "remotecache-me", "builds"));
        var writable = JournalScope.PrepareFolder(open);

        Assert.Equal($"the build journal folder '{_temp.Combine("tmp", "remotecache-me")}' is a link", linked);
        Assert.StartsWith($"the build journal folder '{Path.GetDirectoryName(open)}' can be written by other users", writable);
        Assert.True(File.Exists(victim));
        Assert.True(File.Exists(openVictim));
    }
}
