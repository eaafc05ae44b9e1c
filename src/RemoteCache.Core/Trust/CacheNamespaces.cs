using RemoteCache.Core.Remote;

namespace RemoteCache.Core.Trust;

/// <summary>
/// CacheKeyPrefix (the namespace a build writes) and CacheReadPrefixes (the namespaces it reads, in order; by default
/// the one it writes). A namespace is printable ASCII without spaces or ';' (MSBuild's list separator), at most
/// <see cref="MaxLength"/> characters, e.g. <c>myrepo/feature-x</c>. No prefix at all is the unnamespaced default.
/// </summary>
public sealed record CacheNamespaces(string? Write, IReadOnlyList<string?> Read)
{
    public const int MaxLength = 200;

    public static readonly CacheNamespaces None = new(null, [null]);

    /// <summary>Throws <see cref="CacheConfigurationException"/> naming the property and the offending value.</summary>
    public static CacheNamespaces Parse(string? keyPrefix, string? readPrefixes)
    {
        var write = string.IsNullOrWhiteSpace(keyPrefix) ? null : Check("CacheKeyPrefix", keyPrefix.Trim());
        if (string.IsNullOrWhiteSpace(readPrefixes)) return new(write, [write]);
        var read = readPrefixes.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => Check("CacheReadPrefixes", p))
            .Distinct(StringComparer.Ordinal)
            .ToList<string?>();
        return new(write, read.Count == 0 ? [write] : read);
    }

    private static string Check(string property, string value)
    {
        if (value.Length > MaxLength)
        {
            throw new CacheConfigurationException($"{property} '{value[..40]}…' is longer than {MaxLength} characters; use a shorter namespace such as myrepo/main.");
        }
        foreach (var c in value)
        {
            if (c is < '!' or > '~' or ';')
            {
                throw new CacheConfigurationException(
                    $"{property} '{Printable(value)}' contains {Describe(c)}; a namespace is printable ASCII without spaces, such as myrepo/main (separate several CacheReadPrefixes with ';').");
            }
        }
        return value;
    }

    private static string Describe(char c) => c switch
    {
        ' ' => "a space",
        ';' => "';'",
        _ => $"the character U+{(int)c:X4}",
    };

    private static string Printable(string value) => new(value.Select(c => c is < ' ' or > '~' ? '?' : c).ToArray());
}
