using RemoteCache.Core.Fingerprinting;

namespace RemoteCache.Core.Explaining;

/// <summary>
/// Names what differs between the inputs of two fingerprints, in the words a developer uses, one line per cause.
/// Inputs that change together are grouped: every compiler file is "compiler changed"; the files of a NuGet package
/// or targeting pack are that package's version; outputs that moved to another folder are one line, and the files
/// that moved with them (generated sources, sibling projects' outputs) are named only when their content changed;
/// a file removed and added elsewhere with the same content is a rename.
/// </summary>
public static class InputDiff
{
    private const int MaxValueLength = 80;

    public static IReadOnlyList<string> Describe(IReadOnlyList<FingerprintInput> before, IReadOnlyList<FingerprintInput> after)
    {
        var diff = new Work(ToMap(before), ToMap(after));
        diff.Format();
        diff.Compiler();
        diff.Sdk();
        diff.TargetFramework();
        diff.SdkFiles();
        diff.Packages("{nuget}/", "package");
        diff.Packages("{dotnet}/packs/", "targeting pack");
        diff.GeneratedAnalyzerConfig();
        var moves = diff.Outputs();
        diff.MovedWith(moves);
        diff.Renames();
        diff.SameFileName();
        diff.Remaining();
        if (diff.Items.Count == 0 && !before.Select(i => i.Name).SequenceEqual(after.Select(i => i.Name)))
        {
            // Same inputs, other order: source order reaches the emitted metadata.
            var first = before.Zip(after).First(p => p.First.Name != p.Second.Name).First;
            diff.Items.Add($"order of {Plural(Parse(first.Name).Category)} changed");
        }
        return diff.Items;
    }

    /// <summary>Name → value; a name given twice (the same file listed twice) keeps every value.</summary>
    private static Dictionary<string, Input> ToMap(IReadOnlyList<FingerprintInput> inputs)
    {
        var map = new Dictionary<string, Input>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            map[input.Name] = map.TryGetValue(input.Name, out var seen)
                ? seen with { Value = seen.Value + "\n" + input.Value }
                : Parse(input.Name) with { Value = input.Value };
        }
        return map;
    }

    private static Input Parse(string name)
    {
        var colon = name.IndexOf(':');
        return colon < 0 ? new Input(name, name, "", "") : new Input(name, name[..colon], name[(colon + 1)..], "");
    }

    private sealed record Input(string Name, string Category, string Path, string Value)
    {
        public bool IsFile => Category is not ("format" or "location" or "pathmap" or "property" or "output");

        public string FileName => Path[(Path.LastIndexOf('/') + 1)..];
    }

    private sealed class Work
    {
        private readonly Dictionary<string, Input> _removed;
        private readonly Dictionary<string, Input> _added;
        private readonly Dictionary<string, (Input Old, Input New)> _changed;

        /// <summary>Whether a NuGet package was added, removed or changed.</summary>
        private bool _packagesChanged;

        public Work(Dictionary<string, Input> before, Dictionary<string, Input> after)
        {
            _removed = before.Where(p => !after.ContainsKey(p.Key)).ToDictionary(StringComparer.Ordinal);
            _added = after.Where(p => !before.ContainsKey(p.Key)).ToDictionary(StringComparer.Ordinal);
            _changed = before.Where(p => after.TryGetValue(p.Key, out var now) && now.Value != p.Value.Value)
                .ToDictionary(p => p.Key, p => (p.Value, after[p.Key]), StringComparer.Ordinal);
        }

        public List<string> Items { get; } = [];

        private IEnumerable<Input> All => _removed.Values.Concat(_added.Values).Concat(_changed.Values.Select(c => c.New));

        public void Format()
        {
            if (_changed.Remove("format", out var format)) Items.Add($"cache format: {format.Old.Value} → {format.New.Value}");
        }

        public void Compiler()
        {
            if (Take(i => i.Category == "compiler") > 0) Items.Add("compiler changed");
        }

        /// <summary>
        /// Another target framework changes most of what the SDK derives: framework references and the packages that
        /// stand for them, package assets for that framework, DefineConstants, LangVersion and warning defaults, the
        /// intermediate folder and the files generated there. One line names the cause; a package that changed
        /// version, and the project's own files, are still named on their own.
        /// </summary>
        public void TargetFramework()
        {
            if (!_changed.Remove("property:TargetFramework", out var framework)) return;
            Items.Add($"TargetFramework: {Show(framework.Old.Value)} → {Show(framework.New.Value)}");
            var versionChanged = PackagesWithNewVersions("{nuget}/");
            var folders = _changed.Values.Where(c => c.Old.Category == "output").SelectMany(c => new[] { Folder(c.Old.Value), Folder(c.New.Value) })
                .Concat(_removed.Values.Concat(_added.Values).Where(i => i.Category == "output").Select(i => Folder(i.Value)))
                .Where(f => f != ".").Select(f => f + "/").Distinct().ToList();
            Take(i => i.Category is "property" or "output"
                || (i.IsFile && i.Path.StartsWith("{dotnet}/", StringComparison.Ordinal))
                || (i.IsFile && i.Path.StartsWith("{nuget}/", StringComparison.Ordinal) && !versionChanged.Contains(PackageOf(i, "{nuget}/")))
                || (i.IsFile && folders.Any(f => i.Path.StartsWith(f, StringComparison.Ordinal))));
        }

        /// <summary>The .NET SDK version, and the files of the SDK folder (its analyzers) that come with it.</summary>
        public void Sdk()
        {
            if (!_changed.Remove("property:@sdk", out var version)) return;
            Take(IsSdkFile);
            Items.Add($".NET SDK {Show(version.Old.Value)} → {Show(version.New.Value)}");
        }

        /// <summary>Files of the SDK folder that changed while its version did not (a patched installation).</summary>
        public void SdkFiles()
        {
            if (Take(IsSdkFile) > 0) Items.Add(".NET SDK files changed");
        }

        /// <summary>Packages under root whose files moved from one version folder to another.</summary>
        private HashSet<string> PackagesWithNewVersions(string root) =>
            PackageFiles(root).GroupBy(f => PackageOf(f, root), StringComparer.Ordinal)
                .Where(p => p.Any(i => _removed.ContainsKey(i.Name)) && p.Any(i => _added.ContainsKey(i.Name))
                    && !p.Where(i => _removed.ContainsKey(i.Name)).Select(i => VersionOf(i, root)).ToHashSet().SetEquals(p.Where(i => _added.ContainsKey(i.Name)).Select(i => VersionOf(i, root))))
                .Select(p => p.Key).ToHashSet(StringComparer.Ordinal);

        private List<Input> PackageFiles(string root) =>
            All.Where(i => i.IsFile && i.Path.StartsWith(root, StringComparison.Ordinal) && i.Path.Split('/').Length > root.Count(c => c == '/') + 2).ToList();

        /// <summary>Files under root/&lt;id&gt;/&lt;version&gt;/…, as one line per package.</summary>
        public void Packages(string root, string label)
        {
            foreach (var package in PackageFiles(root).GroupBy(f => PackageOf(f, root), StringComparer.Ordinal))
            {
                string VersionOf(Input i) => InputDiff.VersionOf(i, root);
                var oldVersions = package.Where(i => _removed.ContainsKey(i.Name)).Select(VersionOf).Distinct().Order().ToList();
                var newVersions = package.Where(i => _added.ContainsKey(i.Name)).Select(VersionOf).Distinct().Order().ToList();
                var changedIn = package.Where(i => _changed.ContainsKey(i.Name)).Select(VersionOf).Distinct().Order().ToList();
                foreach (var file in package)
                {
                    _removed.Remove(file.Name);
                    _added.Remove(file.Name);
                    _changed.Remove(file.Name);
                }
                _packagesChanged |= root == "{nuget}/";
                var oldText = string.Join(", ", oldVersions);
                var newText = string.Join(", ", newVersions);
                if (oldVersions.Count > 0 && newVersions.Count > 0 && oldText != newText) Items.Add($"{label} {package.Key} {oldText} → {newText}");
                else if (newVersions.Count > 0 && oldVersions.Count == 0) Items.Add($"{label} {package.Key} {newText} added");
                else if (oldVersions.Count > 0 && newVersions.Count == 0) Items.Add($"{label} {package.Key} {oldText} removed");
                else Items.Add($"{label} {package.Key} {string.Join(", ", changedIn.Concat(newVersions).Distinct())} changed");
            }
        }

        /// <summary>
        /// The analyzer config MSBuild generates lists the properties and item metadata visible to analyzers
        /// (CompilerVisibleProperty): packages add their own, so after a package change it needs no line of its own.
        /// </summary>
        public void GeneratedAnalyzerConfig()
        {
            var generated = _changed.Values.Select(c => c.New).Where(IsGeneratedAnalyzerConfig).ToList();
            foreach (var config in generated)
            {
                _changed.Remove(config.Name);
                if (!_packagesChanged) Items.Add(Label(config) + " changed");
            }
        }

        /// <summary>
        /// Outputs whose paths differ by the same folder name (obj/Debug/… → obj/Release/…) are one line; that folder
        /// change is returned, so that files which moved with it are not named on their own.
        /// </summary>
        public List<(string From, string To)> Outputs()
        {
            var outputs = _changed.Values.Where(c => c.Old.Category == "output").ToList();
            var moves = outputs.Select(o => FolderChange(o.Old.Value, o.New.Value)).ToList();
            var common = moves.Count > 0 && moves.All(m => m is not null && m == moves[0]) ? moves[0] : null;
            if (common is { } move)
            {
                var sample = outputs.Select(o => o.Old).FirstOrDefault(o => o.Path == "assembly") ?? outputs[0].Old;
                var folderOld = Folder(sample.Value);
                Items.Add($"output folder {folderOld} → {Replace(folderOld + "/", move)!.TrimEnd('/')}");
                foreach (var output in outputs) _changed.Remove(output.Old.Name);
            }
            foreach (var (old, now) in outputs.Where(o => _changed.ContainsKey(o.Old.Name)))
            {
                _changed.Remove(old.Name);
                Items.Add($"output {old.Path}: {Show(old.Value)} → {Show(now.Value)}");
            }
            foreach (var output in _added.Values.Where(i => i.Category == "output").ToList())
            {
                _added.Remove(output.Name);
                Items.Add($"output {output.Path} added");
            }
            foreach (var output in _removed.Values.Where(i => i.Category == "output").ToList())
            {
                _removed.Remove(output.Name);
                Items.Add($"output {output.Path} removed");
            }
            return common is { } found ? [found] : [];
        }

        /// <summary>Files whose path changed as the outputs' folder did: named only when their content changed too.</summary>
        public void MovedWith(List<(string From, string To)> moves)
        {
            foreach (var move in moves)
            {
                foreach (var old in _removed.Values.Where(i => i.IsFile).ToList())
                {
                    if (Replace(old.Path, move) is not { } path || !_added.Remove(old.Category + ":" + path, out var now)) continue;
                    _removed.Remove(old.Name);
                    if (now.Value != old.Value) Items.Add(Label(now) + " changed");
                }
            }
        }

        /// <summary>A file removed and another added with the same content, in the same role.</summary>
        public void Renames()
        {
            foreach (var old in _removed.Values.Where(i => i.IsFile).ToList())
            {
                var now = _added.Values.FirstOrDefault(a => a.Category == old.Category && a.Value == old.Value);
                if (now is null) continue;
                _removed.Remove(old.Name);
                _added.Remove(now.Name);
                Items.Add(old.FileName == now.FileName ? $"{Label(now)} moved from {old.Path}" : $"{Label(old)} renamed to {now.Path}");
            }
        }

        /// <summary>A file of the same name in the same role, now found elsewhere (a referenced project built for another target).</summary>
        public void SameFileName()
        {
            foreach (var old in _removed.Values.Where(i => i.IsFile).ToList())
            {
                var now = _added.Values.FirstOrDefault(a => a.Category == old.Category && a.FileName == old.FileName);
                if (now is null) continue;
                _removed.Remove(old.Name);
                _added.Remove(now.Name);
                Items.Add(Label(now) + " changed");
            }
        }

        public void Remaining()
        {
            foreach (var (old, now) in _changed.Values)
            {
                Items.Add(old.IsFile ? Label(now) + " changed" : Setting(old, old.Value, now.Value));
            }
            foreach (var now in _added.Values) Items.Add(now.IsFile ? Label(now) + " added" : Setting(now, null, now.Value));
            foreach (var old in _removed.Values) Items.Add(old.IsFile ? Label(old) + " removed" : Setting(old, old.Value, null));
            _changed.Clear();
            _added.Clear();
            _removed.Clear();
        }

        private int Take(Func<Input, bool> match)
        {
            var count = 0;
            foreach (var name in _removed.Values.Where(match).Select(i => i.Name).ToList()) count += _removed.Remove(name) ? 1 : 0;
            foreach (var name in _added.Values.Where(match).Select(i => i.Name).ToList()) count += _added.Remove(name) ? 1 : 0;
            foreach (var name in _changed.Values.Select(c => c.New).Where(match).Select(i => i.Name).ToList()) count += _changed.Remove(name) ? 1 : 0;
            return count;
        }
    }

    /// <summary>"DefineConstants: DEBUG;TRACE → TRACE"; long lists show what was added and removed.</summary>
    private static string Setting(Input input, string? before, string? after)
    {
        var name = input.Category switch
        {
            "property" => input.Path.TrimStart('@'),
            "location" => "project folder",
            "pathmap" => "PathMap entry " + input.Path,
            _ => input.Name,
        };
        if (before is not null && after is not null && (before.Contains(';') || after.Contains(';')) && Math.Max(before.Length, after.Length) > MaxValueLength)
        {
            var was = before.Split(';', StringSplitOptions.RemoveEmptyEntries);
            var now = after.Split(';', StringSplitOptions.RemoveEmptyEntries);
            var added = now.Except(was, StringComparer.Ordinal).ToList();
            var removed = was.Except(now, StringComparer.Ordinal).ToList();
            var parts = new List<string>();
            if (removed.Count > 0) parts.Add("removed " + Show(string.Join(", ", removed)));
            if (added.Count > 0) parts.Add("added " + Show(string.Join(", ", added)));
            return $"{name}: {(parts.Count > 0 ? string.Join(", ", parts) : "reordered")}";
        }
        return $"{name}: {(before is null ? "(not set)" : Show(before))} → {(after is null ? "(not set)" : Show(after))}";
    }

    private static string Show(string value) =>
        value.Length == 0 ? "(empty)" : value.Length <= MaxValueLength ? value : value[..(MaxValueLength - 1)] + "…";

    /// <summary>How a developer names an input file: sources by their path, references by their file name.</summary>
    private static string Label(Input file) => file.Category switch
    {
        "source" => file.Path,
        "additional" => "additional file " + file.Path,
        "embedded" => "embedded file " + file.Path,
        "reference" => "reference " + file.FileName,
        "analyzer" => "analyzer " + file.FileName,
        "module" => "module " + file.FileName,
        "editorconfig" when IsGeneratedAnalyzerConfig(file) => "MSBuild properties visible to analyzers (" + file.Path + ")",
        "editorconfig" => "analyzer config " + file.Path,
        "resource" => "resource " + file.Path,
        "linkresource" => "linked resource " + file.Path,
        "sourcelink" => "SourceLink file " + file.Path,
        "keyfile" => "key file " + file.Path,
        "win32icon" => "icon " + file.Path,
        "win32manifest" => "Win32 manifest " + file.Path,
        "win32resource" => "Win32 resource " + file.Path,
        "appconfig" => "app.config " + file.Path,
        "ruleset" => "ruleset " + file.Path,
        "responsefile" => "response file " + file.Path,
        // Pack's inputs.
        "packagefile" => "packed file " + file.Path,
        "buildoutput" => "packed build output " + file.FileName,
        "symbols" => "packed symbols " + file.FileName,
        "sourcefile" => "packed source file " + file.Path,
        "assets" => "package dependencies (" + file.FileName + ")",
        "projectreference" => "referenced project " + file.Path,
        "packtool" => "NuGet pack task",
        _ => file.Category + " " + file.Path,
    };

    private static string Plural(string category) => category switch
    {
        "source" => "source files",
        "reference" => "references",
        "property" => "properties",
        _ => category + " inputs",
    };

    private static bool IsSdkFile(Input input) => input.IsFile && input.Path.StartsWith("{dotnet}/sdk/", StringComparison.Ordinal);

    private static bool IsGeneratedAnalyzerConfig(Input file) =>
        file.Category == "editorconfig" && file.Path.EndsWith(".GeneratedMSBuildEditorConfig.editorconfig", StringComparison.Ordinal);

    /// <summary>The id of a file under root/&lt;id&gt;/&lt;version&gt;/….</summary>
    private static string PackageOf(Input file, string root) => file.Path[root.Length..].Split('/')[0];

    private static string VersionOf(Input file, string root) => file.Path[root.Length..].Split('/')[1];

    private static string Folder(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? "." : path[..slash];
    }

    /// <summary>
    /// The folder segments that differ between two paths with the same start and end ("obj/Debug/net10.0/a.dll" and
    /// "obj/Release/net10.0/a.dll" differ by "Debug" → "Release"), or null when the file names differ.
    /// </summary>
    private static (string From, string To)? FolderChange(string before, string after)
    {
        var was = before.Split('/');
        var now = after.Split('/');
        if (was.Length != now.Length || was[^1] != now[^1]) return null;
        var start = 0;
        while (start < was.Length && was[start] == now[start]) start++;
        if (start == was.Length) return null;
        var end = was.Length - 1;
        while (end > start && was[end] == now[end]) end--;
        return (string.Join('/', was[start..(end + 1)]), string.Join('/', now[start..(end + 1)]));
    }

    /// <summary>The path with the folder change applied, or null when the path does not contain the old folder.</summary>
    private static string? Replace(string path, (string From, string To) move)
    {
        var wrapped = "/" + path;
        var index = wrapped.IndexOf("/" + move.From + "/", StringComparison.Ordinal);
        if (index < 0) return null;
        return (wrapped[..index] + "/" + move.To + "/" + wrapped[(index + move.From.Length + 2)..])[1..];
    }
}
