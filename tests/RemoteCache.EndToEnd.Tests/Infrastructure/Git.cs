using Xunit;

namespace RemoteCache.EndToEnd.Tests.Infrastructure;

/// <summary>Just enough git for the tests: a repository with a GitHub-style remote, commits, clones.</summary>
internal static class Git
{
    public const string RemoteUrl = "https://github.com/example/sample.git";

    public static void Run(string folder, params string[] arguments)
    {
        var result = ProcessRunner.Run("git", ["-c", "user.name=RemoteCache Tests", "-c", "user.email=tests@example.invalid", "-c", "init.defaultBranch=main", .. arguments], folder);
        Assert.True(result.ExitCode == 0, $"git {string.Join(' ', arguments)} failed:\n{result.Output}");
    }

    public static void InitWithRemote(string folder)
    {
        File.WriteAllText(Path.Combine(folder, ".gitignore"), "bin/\nobj/\n");
        Run(folder, "init", "-q");
        Run(folder, "remote", "add", "origin", RemoteUrl);
        Run(folder, "add", "-A");
        Run(folder, "commit", "-q", "-m", "initial");
    }

    public static void CommitAll(string folder, string message)
    {
        Run(folder, "add", "-A");
        Run(folder, "commit", "-q", "-m", message);
    }

    /// <summary>Clones <paramref name="from"/> to <paramref name="to"/> and points origin at the same remote URL.</summary>
    public static void Clone(string from, string to)
    {
        Run(Path.GetDirectoryName(to)!, "clone", "-q", from, to);
        Run(to, "remote", "set-url", "origin", RemoteUrl);
    }
}
