using RemoteCache.Core.Hashing;

namespace RemoteCache.Core.Entries;

/// <summary>
/// The key an entry is stored under. Without a namespace it is the fingerprint (as before namespaces existed);
/// with one it is the SHA-256 of namespace and fingerprint: 64 lowercase hex characters like a fingerprint, so every
/// backend (file names, object keys, Redis keys, OCI tags) takes it as it is, and no namespace can collide with
/// another or with the unnamespaced keys. Chunks are not namespaced: they are content-addressed and verified.
/// </summary>
public static class EntryKeys
{
    public static string For(string? @namespace, string fingerprint) =>
        string.IsNullOrEmpty(@namespace) ? fingerprint : Sha256Digest.Of("remotecache-namespace-v1\n" + @namespace + "\n" + fingerprint);
}
