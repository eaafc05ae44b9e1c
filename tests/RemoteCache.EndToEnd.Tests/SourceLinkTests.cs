using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Security.Cryptography;
using System.Text;
using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>
/// Issue 23, item 9: what a restored PDB holds when the commit SHA is folded out of the SourceLink fingerprint
/// (README, "What a hit guarantees"). A hit at a later commit restores the PDB of the commit that first built the
/// entry: its SourceLink URLs name that commit, where every compiled source file has the bytes the PDB's checksums
/// name. Apart from that commit (and the ids derived from the PDB's hash), the outputs are what a compile at the
/// later commit writes.
/// </summary>
public sealed class SourceLinkTests
{
    private static readonly string[] Deterministic = ["-p:ContinuousIntegrationBuild=true"];

    /// <summary>The SourceLink custom debug information of a portable PDB (its JSON, as the compiler embeds it).</summary>
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    [Fact]
    public void AHitAtALaterCommitRestoresThePdbOfTheFirstCommitWhoseSourcesItNamesByteForByte()
    {
        using var ws = new Workspace("sourcelink-commit");
        SampleSolution.Create(ws);
        Git.InitWithRemote(ws.Source);
        var commitA = Head(ws.Source);
        var first = ws.Build(Deterministic);
        Assert.True(first.Succeeded, first.Describe());
        var builtAtA = OutputSnapshot.Take(ws.Source);
        var obj = ws.PathOf("Lib/obj/Debug/net10.0");
        Assert.Contains($"/example/sample/{commitA}/", SourceLinkJson(Path.Combine(obj, "Lib.pdb")));

        ws.Write("README.txt", "a commit that changes no compiled file");
        Git.CommitAll(ws.Source, "docs only");
        var commitB = Head(ws.Source);
        ws.Clean();
        var hit = ws.Build(Deterministic);

        Assert.True(hit.Succeeded, hit.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("hit-local", hit.CompileResults.GetValueOrDefault(p)));
        // The restored outputs are those of commit A, byte for byte: the SourceLink URLs name commit A, not B.
        OutputSnapshot.AssertIdentical(builtAtA, OutputSnapshot.Take(ws.Source));
        var restored = Outputs.Read(obj);
        Assert.Contains($"/example/sample/{commitA}/", restored.SourceLink);
        Assert.DoesNotContain(commitB, restored.SourceLink);
        // At commit A every compiled file that SourceLink maps has the bytes whose checksum the PDB holds, so a
        // debugger that fetches it from commit A gets the source it compiled.
        Assert.Equal(0, ProcessRunner.Run("git", ["diff", "--quiet", commitA, commitB, "--", "Util", "Lib", "App"], ws.Source).ExitCode);
        var tracked = restored.Documents.Where(d => d.Name.StartsWith("/_/", StringComparison.Ordinal) && !d.Name.Contains("/obj/")).ToList();
        Assert.Contains(tracked, d => d.Name == "/_/Lib/Greeter.cs");
        foreach (var document in tracked)
        {
            var file = ws.PathOf(document.Name["/_/".Length..]);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))), document.Hash);
        }

        // What a compile at commit B writes (the cache shapes it as before, without restoring): the same PDB but for
        // the commit in SourceLink and the PDB's id; the same DLL but for what names that PDB or derives from the
        // content (MVID, time stamps, PDB id and checksum); the same reference assembly.
        var restoredPdb = File.ReadAllBytes(Path.Combine(obj, "Lib.pdb"));
        var restoredDll = File.ReadAllBytes(Path.Combine(obj, "Lib.dll"));
        ws.Clean();
        var fresh = ws.Build([.. Deterministic, "-p:CacheMode=WriteOnly"]);
        Assert.True(fresh.Succeeded, fresh.Describe());
        var compiledAtB = Outputs.Read(obj);
        Assert.Contains($"/example/sample/{commitB}/", compiledAtB.SourceLink);
        Assert.Equal(compiledAtB.SourceLink, restored.SourceLink.Replace(commitA, commitB, StringComparison.Ordinal));
        Assert.Equal(compiledAtB.Documents, restored.Documents);
        Assert.Equal(compiledAtB.ReferenceAssembly, restored.ReferenceAssembly);
        Assert.Equal(compiledAtB.MetadataWithoutMvid, restored.MetadataWithoutMvid);
        Assert.Equal(compiledAtB.MethodBodies, restored.MethodBodies);
        Assert.NotEqual(compiledAtB.Mvid, restored.Mvid);
        Assert.NotEqual(compiledAtB.PdbId, restored.PdbId);
        AssertSameBytes("Lib.pdb", PdbWithoutCommitAndId(File.ReadAllBytes(Path.Combine(obj, "Lib.pdb")), commitB), PdbWithoutCommitAndId(restoredPdb, commitA));
        AssertSameBytes("Lib.dll", DllWithoutDerivedIds(File.ReadAllBytes(Path.Combine(obj, "Lib.dll"))), DllWithoutDerivedIds(restoredDll));
    }

    private static void AssertSameBytes(string what, byte[] expected, byte[] actual)
    {
        var at = expected.AsSpan().CommonPrefixLength(actual);
        Assert.True(at == expected.Length && at == actual.Length,
            $"{what}: the restored file ({actual.Length} bytes) and a compile at the later commit ({expected.Length} bytes) differ from offset {at} on, beyond what the README lists");
    }

    /// <summary>A portable PDB with the commit in it replaced by zeros (SHA-1: 40 characters) and its 20-byte id cleared.</summary>
    private static byte[] PdbWithoutCommitAndId(byte[] pdb, string commit)
    {
        var bytes = (byte[])pdb.Clone();
        var sha = Encoding.ASCII.GetBytes(commit);
        for (var at = bytes.AsSpan().IndexOf(sha); at >= 0; at = bytes.AsSpan().IndexOf(sha))
        {
            bytes.AsSpan(at, sha.Length).Fill((byte)'0');
        }
        using var provider = MetadataReaderProvider.FromPortablePdbImage(System.Collections.Immutable.ImmutableArray.Create(pdb));
        var header = provider.GetMetadataReader().DebugMetadataHeader!;
        bytes.AsSpan(header.IdStartOffset, header.Id.Length).Clear();
        return bytes;
    }

    /// <summary>
    /// A DLL with what a deterministic compiler derives from the content of the DLL and its PDB cleared: the MVID, the
    /// COFF and debug directory time stamps, the PE checksum, the PDB's id (CodeView) and the PDB's checksum.
    /// </summary>
    private static byte[] DllWithoutDerivedIds(byte[] dll)
    {
        var bytes = (byte[])dll.Clone();
        using var pe = new PEReader(System.Collections.Immutable.ImmutableArray.Create(dll));
        var headers = pe.PEHeaders;
        bytes.AsSpan(headers.CoffHeaderStartOffset + 4, 4).Clear(); // TimeDateStamp
        bytes.AsSpan(headers.PEHeaderStartOffset + 64, 4).Clear(); // CheckSum
        var metadata = pe.GetMetadataReader();
        var mvid = MetadataTokens.GetHeapOffset(metadata.GetModuleDefinition().Mvid);
        bytes.AsSpan(headers.MetadataStartOffset + metadata.GetHeapMetadataOffset(HeapIndex.Guid) + (mvid - 1) * 16, 16).Clear();
        Assert.True(headers.TryGetDirectoryOffset(headers.PEHeader!.DebugTableDirectory, out var table));
        var entries = pe.ReadDebugDirectory();
        for (var i = 0; i < entries.Length; i++)
        {
            bytes.AsSpan(table + i * 28 + 4, 4).Clear(); // the entry's Stamp
            var entry = entries[i];
            if (entry.Type == DebugDirectoryEntryType.CodeView) bytes.AsSpan(entry.DataPointer + 4, 16).Clear(); // "RSDS", then the PDB's GUID
            if (entry.Type == DebugDirectoryEntryType.PdbChecksum) bytes.AsSpan(entry.DataPointer + entry.DataSize - 32, 32).Clear(); // "SHA256\0", then the hash
        }
        return bytes;
    }

    private static string Head(string folder)
    {
        var result = ProcessRunner.Run("git", ["rev-parse", "HEAD"], folder);
        Assert.Equal(0, result.ExitCode);
        return result.Output.Trim();
    }

    private static string SourceLinkJson(string pdb)
    {
        using var provider = MetadataReaderProvider.FromPortablePdbStream(File.OpenRead(pdb));
        return SourceLinkJson(provider.GetMetadataReader());
    }

    private static string SourceLinkJson(MetadataReader pdb)
    {
        foreach (var handle in pdb.GetCustomDebugInformation(EntityHandle.ModuleDefinition))
        {
            var information = pdb.GetCustomDebugInformation(handle);
            if (pdb.GetGuid(information.Kind) == SourceLinkKind) return Encoding.UTF8.GetString(pdb.GetBlobBytes(information.Value));
        }
        throw new InvalidOperationException("the PDB has no SourceLink information");
    }

    private sealed record Document(string Name, string Hash);

    /// <summary>What the test compares of one compile's outputs (Lib's).</summary>
    private sealed record Outputs(string SourceLink, IReadOnlyList<Document> Documents, string ReferenceAssembly,
        string MetadataWithoutMvid, string MethodBodies, Guid Mvid, Guid PdbId)
    {
        public static Outputs Read(string obj)
        {
            using var pdbProvider = MetadataReaderProvider.FromPortablePdbStream(File.OpenRead(Path.Combine(obj, "Lib.pdb")));
            var pdb = pdbProvider.GetMetadataReader();
            var documents = pdb.Documents.Select(pdb.GetDocument)
                .Select(d => new Document(pdb.GetString(d.Name), Convert.ToHexStringLower(pdb.GetBlobBytes(d.Hash))))
                .ToList();

            using var pe = new PEReader(File.OpenRead(Path.Combine(obj, "Lib.dll")));
            var metadata = pe.GetMetadataReader();
            var mvid = metadata.GetGuid(metadata.GetModuleDefinition().Mvid);
            var block = pe.GetMetadata().GetContent().ToArray();
            var mvidOffset = metadata.GetHeapMetadataOffset(HeapIndex.Guid) + (MetadataTokens.GetHeapOffset(metadata.GetModuleDefinition().Mvid) - 1) * 16;
            Assert.Equal(mvid.ToByteArray(), block[mvidOffset..(mvidOffset + 16)]);
            Array.Clear(block, mvidOffset, 16);
            var bodies = new StringBuilder();
            foreach (var method in metadata.MethodDefinitions.Select(metadata.GetMethodDefinition).Where(m => m.RelativeVirtualAddress != 0))
            {
                bodies.Append(Convert.ToHexStringLower(pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes()!)).Append('\n');
            }
            var codeView = pe.ReadDebugDirectory().Single(e => e.Type == DebugDirectoryEntryType.CodeView);

            return new Outputs(SourceLinkJson(pdb), documents, Digest(Path.Combine(obj, "refint", "Lib.dll")),
                Convert.ToHexStringLower(SHA256.HashData(block)), bodies.ToString(), mvid, pe.ReadCodeViewDebugDirectoryData(codeView).Guid);
        }

        private static string Digest(string file) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));
    }
}
