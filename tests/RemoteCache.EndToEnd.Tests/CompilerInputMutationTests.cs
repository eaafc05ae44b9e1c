using System.Security.Cryptography;
using System.Text;
using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>
/// Compiler inputs that the sample solution does not exercise: each change alone must make the compile miss (an
/// input the fingerprint ignored would restore the entry of the state before it), and the cache must name the input
/// that changed. One workspace, changed one input at a time, so each change costs one incremental build; at the end a
/// clean build restores the last state and must equal a build without the cache byte for byte.
/// </summary>
public sealed class CompilerInputMutationTests(ITestOutputHelper output)
{
    private const string Project = "Lib";

    private sealed record Mutation(string Name, Action<Workspace> Change, string Explained);

    private static readonly Mutation[] Mutations =
    [
        new("key file", ws => File.WriteAllBytes(ws.PathOf("Lib/key.snk"), StrongNameKey()), "key file key.snk changed"),
        new("Win32 resource", ws => File.WriteAllBytes(ws.PathOf("Lib/native.res"), Win32Res("version two")), "Win32 resource native.res changed"),
        new("EmbeddedFiles content", ws => ws.Write("Lib/notes.txt", "notes, second edition"), "embedded file notes.txt changed"),
        new("LinkResources content", ws => ws.Write("Lib/linked.bin", "linked, second edition"), "linked resource linked.bin changed"),
        new("resource logical name", ws => SampleSolution.Replace(ws, "Lib/Lib.csproj", "LogicalName=\"greeting\"", "LogicalName=\"salutation\""),
            "resource greeting.txt changed"),
        new("reference aliases", ws => SampleSolution.Replace(ws, "Lib/Lib.csproj", "Aliases=\"global\"", "Aliases=\"global,DepAlias\""),
            "reference Dep.dll changed"),
        new("Features", ws => SampleSolution.Replace(ws, "Lib/Lib.csproj", "<Features></Features>", "<Features>strict</Features>"),
            "Features: (empty) → strict"),
        new("PathMap", ws => SampleSolution.Replace(ws, "Lib/Lib.csproj", "=/src/a/", "=/src/b/"), "PathMap entry 0: /src/a/ → /src/b/"),
        // The commit SHA is folded out of the SourceLink file on purpose (README); the repository URL is not.
        new("SourceLink content", ws => Git.Run(ws.Source, "remote", "set-url", "origin", "https://github.com/example/other.git"),
            "SourceLink file obj/Debug/net10.0/Lib.sourcelink.json changed"),
    ];

    [Fact]
    public void EachCompilerInputMissesWhenItAloneChanges()
    {
        using var ws = new Workspace("mutation");
        Create(ws);
        Git.InitWithRemote(ws.Source);
        var baseline = ws.Build();
        Assert.True(baseline.Succeeded, baseline.Describe());
        Assert.Equal("miss", baseline.CompileResults.GetValueOrDefault(Project));

        var failures = new List<string>();
        foreach (var mutation in Mutations)
        {
            mutation.Change(ws);
            var changed = ws.Build("-p:CacheExplainMisses=true");
            var result = changed.CompileResults.GetValueOrDefault(Project) ?? "(no lookup)";
            var explained = changed.Explanations.GetValueOrDefault(Project) ?? [];
            output.WriteLine($"{mutation.Name}: {result} [{string.Join(" | ", explained)}]");
            if (!changed.Succeeded) failures.Add($"{mutation.Name}: the build failed\n{changed.Describe()}");
            else if (result != "miss") failures.Add($"{mutation.Name}: {Project} compile was {result}, not a miss");
            else if (!explained.Contains(mutation.Explained)) failures.Add($"{mutation.Name}: explained as [{string.Join(" | ", explained)}], not as '{mutation.Explained}'");
        }
        Assert.True(failures.Count == 0, "Changes of a compiler input that did not miss as they should:\n" + string.Join("\n", failures));

        // The entries of the last state restore exactly what the compiler writes. The reference compiles with the cache
        // writing only, not off: off, the SDK would put the commit SHA back into AssemblyInformationalVersion.
        ws.Clean();
        var restored = ws.Build();
        Assert.True(restored.Succeeded, restored.Describe());
        Assert.Equal(["Dep", "Lib"], restored.CompileResults.Where(r => r.Value == "hit-local").Select(r => r.Key).Order());
        var cached = OutputSnapshot.Take(ws.Source);
        ws.Clean();
        var reference = ws.Build("-p:CacheMode=WriteOnly");
        Assert.True(reference.Succeeded, reference.Describe());
        Assert.Equal(["Dep", "Lib"], reference.CompileResults.Where(r => r.Value == "miss").Select(r => r.Key).Order());
        OutputSnapshot.AssertIdentical(OutputSnapshot.Take(ws.Source), cached);
    }

    /// <summary>
    /// Lib: signed with a key file, a Win32 resource, an embedded file in its PDB, a linked resource, an embedded
    /// resource with a logical name, a project reference with aliases, Features and a PathMap of the repository
    /// folder; in a git repository with a remote, so the SDK writes a SourceLink file. Dep: the referenced library.
    /// </summary>
    private static void Create(Workspace ws)
    {
        ws.Write("Mutation.slnx", """
            <Solution>
              <Project Path="Dep/Dep.csproj" />
              <Project Path="Lib/Lib.csproj" />
            </Solution>
            """);
        ws.Write("Dep/Dep.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <Sdk Name="RemoteCache.Sdk" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
              </PropertyGroup>
            </Project>
            """);
        ws.Write("Dep/Dep.cs", "namespace Dep;\n\npublic static class Words\n{\n    public static string Hello() => \"hello\";\n}\n");
        ws.Write("Lib/Lib.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <Sdk Name="RemoteCache.Sdk" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <SignAssembly>true</SignAssembly>
                <AssemblyOriginatorKeyFile>key.snk</AssemblyOriginatorKeyFile>
                <Win32Resource>native.res</Win32Resource>
                <Features></Features>
                <PathMap>$([MSBuild]::NormalizeDirectory('$(MSBuildProjectDirectory)', '..'))=/src/a/</PathMap>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="../Dep/Dep.csproj" Aliases="global" />
                <EmbeddedResource Include="greeting.txt" LogicalName="greeting" />
                <EmbeddedFiles Include="notes.txt" />
                <LinkResource Include="linked.bin" />
              </ItemGroup>
            </Project>
            """);
        ws.Write("Lib/Greeter.cs", "namespace Lib;\n\npublic static class Greeter\n{\n    public static string Hello() => Dep.Words.Hello() + \" from lib\";\n}\n");
        ws.Write("Lib/greeting.txt", "hello");
        ws.Write("Lib/notes.txt", "notes, first edition");
        ws.Write("Lib/linked.bin", "linked, first edition");
        File.WriteAllBytes(ws.PathOf("Lib/key.snk"), StrongNameKey());
        File.WriteAllBytes(ws.PathOf("Lib/native.res"), Win32Res("version one"));
    }

    /// <summary>A new strong-name key pair: the CryptoAPI private key blob that .snk files hold.</summary>
    private static byte[] StrongNameKey()
    {
        using var rsa = new RSACryptoServiceProvider(1024);
        return rsa.ExportCspBlob(includePrivateParameters: true);
    }

    /// <summary>
    /// A compiled Win32 resource file (.res) with one RT_RCDATA resource: the empty entry every .res file starts
    /// with, then a 32-byte header (sizes, type 10 and name 1 as ordinals, language en-US) and the data, padded to 4.
    /// </summary>
    private static byte[] Win32Res(string text)
    {
        var data = Encoding.ASCII.GetBytes(text);
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        void Header(int dataSize, ushort type, ushort name, ushort memoryFlags, ushort language)
        {
            writer.Write(dataSize);
            writer.Write(32);
            writer.Write((ushort)0xFFFF);
            writer.Write(type);
            writer.Write((ushort)0xFFFF);
            writer.Write(name);
            writer.Write(0); // data version
            writer.Write(memoryFlags);
            writer.Write(language);
            writer.Write(0); // version
            writer.Write(0); // characteristics
        }
        Header(0, 0, 0, 0, 0);
        Header(data.Length, 10, 1, 0x0030, 0x0409);
        writer.Write(data);
        while (stream.Length % 4 != 0) writer.Write((byte)0);
        writer.Flush();
        return stream.ToArray();
    }
}
