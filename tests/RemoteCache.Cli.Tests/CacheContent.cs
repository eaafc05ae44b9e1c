using RemoteCache.Core.Engine;
using RemoteCache.Core.Fingerprinting;
using RemoteCache.Core.Storage;

namespace RemoteCache.Cli.Tests;

/// <summary>Real entries in a real store, written by the engine as a build writes them.</summary>
public sealed class CacheContent(ICacheStore store, string scratch)
{
    /// <summary>Saves a compile entry whose one output is <paramref name="output"/>; returns its key (the fingerprint).</summary>
    public async Task<string> SaveAsync(string project, byte[] output, params (string Name, string Value)[] inputs)
    {
        var list = inputs.Select(i => new FingerprintInput(i.Name, i.Value)).Prepend(new FingerprintInput("project", project)).ToList();
        var fingerprint = CompileFingerprinter.Hash(list);
        Directory.CreateDirectory(scratch);
        var path = Path.Combine(scratch, Guid.NewGuid().ToString("N") + ".dll");
        await File.WriteAllBytesAsync(path, output);
        await new CacheEngine(store).SaveAsync("compile", project, fingerprint, [new StepOutput("assembly", path)], [], list, 1000, default);
        return fingerprint;
    }

    /// <summary>Whether the entry still restores, byte for byte as saved.</summary>
    public async Task<bool> RestoresAsync(string fingerprint)
    {
        var path = Path.Combine(scratch, Guid.NewGuid().ToString("N") + ".dll");
        var outcome = await new CacheEngine(store).RestoreAsync(fingerprint, [new StepOutput("assembly", path)], default);
        return outcome.Status == RestoreStatus.Hit;
    }

    /// <summary>Compressible bytes unique to <paramref name="seed"/>, several chunks long.</summary>
    public static byte[] Output(int seed, int length = 200_000)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
