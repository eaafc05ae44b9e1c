using RemoteCache.Core.Entries;
using RemoteCache.Core.Fingerprinting;
using RemoteCache.Core.Storage;

namespace RemoteCache.Core.Explaining;

/// <summary>
/// Explains a miss: finds the earlier entry of the same project and step whose inputs differ least from this build's
/// and names the differences. Only runs when asked, after a miss.
/// </summary>
public static class MissExplainer
{
    /// <summary>
    /// Candidates from the project index of every readable tier. The index names entries by the keys they are stored
    /// under (with CacheKeyPrefix not their fingerprints), from every namespace: the explanation may compare with an
    /// entry of another namespace, which is only read for its input names. <paramref name="ownKey"/> is where this
    /// build's own entry goes, which is no earlier entry.
    /// </summary>
    public static async Task<MissExplanation> ExplainAsync(
        TieredStore tiers, string project, string step, string ownKey, IReadOnlyList<FingerprintInput> inputs, CancellationToken cancellationToken)
    {
        var indexed = await ProjectIndex.ReadAsync(tiers, project, step, cancellationToken).ConfigureAwait(false);
        var keys = indexed.Where(e => e.Key != ownKey).Take(ProjectIndex.Capacity).Select(e => e.Key).ToList();
        var manifests = new EntryManifest?[keys.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, keys.Count),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (i, token) => manifests[i] = Parse(await tiers.GetEntryAsync(keys[i], token).ConfigureAwait(false), keys[i])).ConfigureAwait(false);
        return Closest(inputs, manifests.Where(m => m is not null && m.Project == project && m.Step == step)!);
    }

    /// <summary>The candidate with the fewest differences (the newest among equals), and those differences.</summary>
    public static MissExplanation Closest(IReadOnlyList<FingerprintInput> inputs, IEnumerable<EntryManifest> candidates)
    {
        MissExplanation best = MissExplanation.NoEarlierEntry;
        foreach (var candidate in candidates.OrderByDescending(c => c.CreatedUtc))
        {
            var differences = InputDiff.Describe(candidate.Inputs, inputs);
            if (best.ComparedWith is null || differences.Count < best.Differences.Count) best = new MissExplanation(candidate, differences);
        }
        return best;
    }

    private static EntryManifest? Parse(byte[]? bytes, string key)
    {
        if (bytes is null) return null;
        try
        {
            return EntryManifest.ParseStored(bytes, key);
        }
        catch (CorruptEntryException)
        {
            return null; // a damaged entry explains nothing; the restore that reads it deletes it
        }
    }
}
