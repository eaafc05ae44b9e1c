using System.IO.Compression;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>The packed SDK's tasks/ folder: what MSBuild loads into every node.</summary>
public sealed class PackageContentTests
{
    private const string TaskFolder = "tasks/net10.0/";

    [Fact]
    public void EveryTaskAssemblyIsAReadyToRunImageThatTheDepsFileNames()
    {
        using var package = ZipFile.OpenRead(Directory.GetFiles(SdkPackage.Feed, "RemoteCache.Sdk.*.nupkg").Single());
        var assemblies = package.Entries.Where(e => e.FullName.StartsWith(TaskFolder, StringComparison.Ordinal) && e.Name.EndsWith(".dll", StringComparison.Ordinal)).ToList();
        Assert.Contains(assemblies, e => e.Name == "RemoteCache.Tasks.dll");
        Assert.Contains(assemblies, e => e.Name == "RemoteCache.Core.dll");

        var notPrecompiled = assemblies.Where(e => !IsReadyToRun(e)).Select(e => e.Name).ToList();
        Assert.True(notPrecompiled.Count == 0, "not ReadyToRun: " + string.Join(", ", notPrecompiled));

        using var deps = JsonDocument.Parse(ReadAll(package.GetEntry(TaskFolder + "RemoteCache.Tasks.deps.json")!));
        var named = deps.RootElement.GetProperty("targets").EnumerateObject().Single().Value.EnumerateObject()
            .SelectMany(library => library.Value.TryGetProperty("runtime", out var runtime) ? runtime.EnumerateObject().Select(r => Path.GetFileName(r.Name)) : [])
            .ToHashSet(StringComparer.Ordinal);
        Assert.Equal(named.Order(StringComparer.Ordinal), assemblies.Select(e => e.Name).Order(StringComparer.Ordinal));
    }

    private static bool IsReadyToRun(ZipArchiveEntry entry)
    {
        using var reader = new PEReader(new MemoryStream(ReadAll(entry)));
        return reader.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }

    private static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
