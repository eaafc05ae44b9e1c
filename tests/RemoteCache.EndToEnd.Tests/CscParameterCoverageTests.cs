using System.Xml.Linq;
using RemoteCache.Core.Fingerprinting;
using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>
/// The compile fingerprint sees everything the installed SDK hands the C# compiler: each Csc parameter's own
/// expression feeds the fingerprint's items (or is a listed exception with its reason), every item reaches the
/// restore task, and the fingerprint hashes every item metadata the Csc task reads. A new SDK that adds a compiler
/// option, or a change that drops an input from the fingerprint, fails here instead of sharing wrong entries.
/// </summary>
public sealed class CscParameterCoverageTests
{
    private const string CompileTarget = "_RemoteCacheRestoreCompileCore";

    private static readonly string[] HashedKinds = [nameof(InputFileKind.Source), nameof(InputFileKind.Content), nameof(InputFileKind.EditorConfig), nameof(InputFileKind.SourceLink)];

    [Fact]
    public void EveryCscParameterFeedsTheFingerprintWithTheSdksOwnExpression()
    {
        var csc = CscCall();
        var ours = Ours();
        var problems = new List<string>();

        foreach (var (parameter, expression) in csc.Parameters)
        {
            if (ours.Exceptions.TryGetValue(parameter, out var exception))
            {
                if (string.IsNullOrWhiteSpace(exception.Reason)) problems.Add($"{parameter}: listed as an exception without a Reason");
                if (exception.Instead is null)
                {
                    if (Feeds(ours, parameter, expression) is null) problems.Add($"{parameter}: listed as not fingerprinted, but it is: drop the exception");
                    continue;
                }
                if (exception.Instead == expression) problems.Add($"{parameter}: Instead=\"{exception.Instead}\" is what the SDK passes anyway: drop the exception");
            }
            var taken = exception?.Instead ?? expression;
            if (Feeds(ours, parameter, taken) is { } missing) problems.Add($"{parameter}=\"{taken}\": {missing}");
        }
        foreach (var parameter in ours.Exceptions.Keys.Where(p => !csc.Parameters.ContainsKey(p)))
        {
            problems.Add($"{parameter}: listed as an exception, but the installed SDK passes no such Csc parameter");
        }
        // Anything else the target fingerprints is a Csc parameter by name, or marked '@' as the SDK's own.
        foreach (var name in ours.Properties.Keys.Where(n => !n.StartsWith('@') && !csc.Parameters.ContainsKey(n)))
        {
            problems.Add($"_RemoteCacheProperty {name}: no Csc parameter has that name (prefix names that are not Csc parameters with '@')");
        }

        Assert.True(csc.Parameters.Count > 50, $"found only {csc.Parameters.Count} Csc parameters in {InstalledSdk.CSharpCoreTargets()}");
        Assert.True(problems.Count == 0, "The compile fingerprint does not match the installed SDK's Csc call:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void EveryInputOfTheFingerprintReachesTheRestoreTaskAndIsHashed()
    {
        var csc = CscCall();
        var target = Target(CompileTarget);
        var problems = new List<string>();

        var restore = target.Elements().Where(e => e.Name.LocalName == "RemoteCacheRestore").ToList();
        Assert.True(restore.Count == 1, $"{CompileTarget} should call RemoteCacheRestore once, not {restore.Count} times");
        var task = restore[0];
        foreach (var (parameter, expected) in new[]
                 {
                     ("Properties", "@(_RemoteCacheProperty)"), ("InputFiles", "@(_RemoteCacheInputFile)"),
                     ("Outputs", "@(_RemoteCacheCompileOutput)"), ("PathMap", "$(PathMap)"),
                 })
        {
            if ((string?)task.Attribute(parameter) != expected) problems.Add($"RemoteCacheRestore {parameter}=\"{(string?)task.Attribute(parameter)}\" instead of \"{expected}\"");
        }
        if (task.Attribute("Condition") is { } taskCondition) problems.Add($"RemoteCacheRestore runs only when {taskCondition.Value}");
        if (target.Attribute("Condition")?.Value != "'$(_RemoteCacheCompileOutOfDate)' == 'true'") problems.Add($"{CompileTarget} has the condition {target.Attribute("Condition")?.Value}");

        // Everything gathered before the task call reaches it: no conditional group, no removal on the way.
        var itemNames = new[] { "_RemoteCacheProperty", "_RemoteCacheInputFile", "_RemoteCacheCompileOutput" };
        foreach (var group in task.ElementsBeforeSelf().Where(e => e.Name.LocalName is "ItemGroup" or "PropertyGroup"))
        {
            if (group.Attribute("Condition") is { } groupCondition && group.Elements().Any(e => itemNames.Contains(e.Name.LocalName)))
            {
                problems.Add($"the fingerprint's items are gathered only when {groupCondition.Value}");
            }
            foreach (var item in group.Elements().Where(e => itemNames.Contains(e.Name.LocalName)))
            {
                if (item.Attribute("Include") is null) problems.Add($"{item.Name.LocalName} without Include changes the list before the task sees it: {item}");
            }
        }

        // Every input file is hashed by content, and left out only when the compiler gets nothing from it either.
        foreach (var input in task.ElementsBeforeSelf().Elements().Where(e => e.Name.LocalName == "_RemoteCacheInputFile"))
        {
            var include = (string)input.Attribute("Include")!;
            var kind = (string?)input.Attribute("Kind");
            if (!HashedKinds.Contains(kind)) problems.Add($"{include}: Kind=\"{kind}\" does not hash the file's content (one of {string.Join(", ", HashedKinds)})");
            if (string.IsNullOrEmpty((string?)input.Attribute("Category"))) problems.Add($"{include}: no Category");
            if (input.Attribute("FingerprintMetadata") is { } metadata) problems.Add($"{include}: FingerprintMetadata=\"{metadata.Value}\" hashes metadata the compiler never reads");
            var condition = (string?)input.Attribute("Condition");
            if (condition is not null && condition != $"'{include}' != ''" && condition != csc.Condition)
            {
                problems.Add($"{include}: left out when not ({condition}), which the Csc call does not do");
            }
        }

        Assert.True(problems.Count == 0, "Inputs of the compile fingerprint that do not reach it whole:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void TheFingerprintHashesEveryItemMetadataTheCscTaskReads()
    {
        var taskAssembly = Path.Combine(InstalledSdk.RoslynFolder, "Microsoft.Build.Tasks.CodeAnalysis.dll");
        var read = CscTaskMetadata.ReadBy(taskAssembly);
        // The scan finds what Roslyn's Csc is known to read (/resource:file,LogicalName,Access; /reference:Alias=file).
        Assert.True(read.Contains("LogicalName") && read.Contains("Aliases"), $"the scan of {taskAssembly} found only [{string.Join(", ", read)}]");

        var missing = read.Except(CompileFingerprinter.CompilerItemMetadata).ToList();
        Assert.True(missing.Count == 0,
            $"item metadata the installed Csc task reads that the fingerprint does not hash (CompileFingerprinter.CompilerItemMetadata): {string.Join(", ", missing)}");
    }

    /// <summary>
    /// Null when <paramref name="expression"/> feeds the fingerprint as Csc parameter <paramref name="parameter"/>:
    /// the property of that name has exactly that Value, or every item or property it lists is an input file or an
    /// output (as @(X->'%(FullPath)')), or the restore task gets it as Compiler<paramref name="parameter"/> (the
    /// compiler binary that ToolPath and ToolExe choose is fingerprinted by content there). Otherwise why not.
    /// </summary>
    private static string? Feeds(OurTargets ours, string parameter, string expression)
    {
        if (ours.CompilerParameters.TryGetValue("Compiler" + parameter, out var given) && given == expression) return null;
        if (ours.Properties.TryGetValue(parameter, out var value))
        {
            return value == expression ? null : $"_RemoteCacheProperty {parameter} has Value=\"{value}\" instead";
        }
        var parts = expression.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unfed = parts.Where(part => !ours.InputFiles.Contains(part) && !ours.Outputs.Contains(AsFullPaths(part))).ToList();
        if (parts.Length > 0 && unfed.Count == 0) return null;
        return $"{string.Join(", ", unfed.DefaultIfEmpty(expression))} feeds no _RemoteCacheProperty, _RemoteCacheInputFile or _RemoteCacheCompileOutput of {CompileTarget}"
               + " (fingerprint it, or list it in _RemoteCacheCscParameterException with its reason)";
    }

    private static string AsFullPaths(string part) =>
        part.StartsWith("@(", StringComparison.Ordinal) && part.EndsWith(')') ? $"@({part[2..^1]}->'%(FullPath)')" : part;

    private sealed record CscCallInfo(Dictionary<string, string> Parameters, string? Condition);

    private sealed record ParameterException(string? Instead, string? Reason);

    private sealed record OurTargets(
        Dictionary<string, string> Properties, HashSet<string> InputFiles, HashSet<string> Outputs, Dictionary<string, ParameterException> Exceptions,
        Dictionary<string, string> CompilerParameters);

    private static CscCallInfo CscCall()
    {
        var csc = XDocument.Load(InstalledSdk.CSharpCoreTargets()).Descendants().Single(e => e.Name.LocalName == "Csc");
        var parameters = csc.Attributes().Where(a => a.Name.LocalName != "Condition").ToDictionary(a => a.Name.LocalName, a => a.Value.Trim(), StringComparer.Ordinal);
        return new CscCallInfo(parameters, (string?)csc.Attribute("Condition"));
    }

    private static XDocument OursDocument() => XDocument.Load(Path.Combine(RepositoryPaths.Root, "build", "RemoteCache.Sdk.Cache.targets"));

    private static XElement Target(string name) =>
        OursDocument().Root!.Elements().Single(e => e.Name.LocalName == "Target" && (string?)e.Attribute("Name") == name);

    private static OurTargets Ours()
    {
        var target = Target(CompileTarget);
        var items = target.Descendants().ToList();
        string[] Includes(string item) => items.Where(e => e.Name.LocalName == item).Select(e => (string?)e.Attribute("Include")).OfType<string>().ToArray();

        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in items.Where(e => e.Name.LocalName == "_RemoteCacheProperty" && e.Attribute("Include") is not null))
        {
            var name = (string)property.Attribute("Include")!;
            Assert.True(properties.TryAdd(name, (string?)property.Attribute("Value") ?? ""), $"_RemoteCacheProperty {name} is listed twice in {CompileTarget}");
        }
        var exceptions = OursDocument().Descendants().Where(e => e.Name.LocalName == "_RemoteCacheCscParameterException")
            .ToDictionary(e => (string)e.Attribute("Include")!, e => new ParameterException((string?)e.Attribute("Instead"), (string?)e.Attribute("Reason")), StringComparer.Ordinal);
        var compilerParameters = target.Elements().Where(e => e.Name.LocalName == "RemoteCacheRestore").SelectMany(e => e.Attributes())
            .Where(a => a.Name.LocalName.StartsWith("Compiler", StringComparison.Ordinal))
            .ToDictionary(a => a.Name.LocalName, a => a.Value.Trim(), StringComparer.Ordinal);
        return new OurTargets(properties, [.. Includes("_RemoteCacheInputFile")], [.. Includes("_RemoteCacheCompileOutput")], exceptions, compilerParameters);
    }
}
