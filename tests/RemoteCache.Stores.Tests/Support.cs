using System.Diagnostics;

namespace RemoteCache.Stores.Tests;

/// <summary>A temporary folder, deleted on dispose.</summary>
internal sealed class Scratch : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "rc-stores-" + Guid.NewGuid().ToString("N")[..12]);

    public Scratch() => Directory.CreateDirectory(Path);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>skopeo (Debian), an OCI client independent of ours.</summary>
internal static class Skopeo
{
    public static string Run(params string[] arguments)
    {
        var info = new ProcessStartInfo("skopeo") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2))) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"skopeo {string.Join(' ', arguments)} failed ({process.ExitCode}): {stderr.Result}");
        return stdout;
    }
}
