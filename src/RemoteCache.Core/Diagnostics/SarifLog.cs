using System.Text.Json;

namespace RemoteCache.Core.Diagnostics;

/// <summary>Reads the warnings (and whether there were errors) from the compiler's SARIF 2.1 error log.</summary>
public static class SarifLog
{
    public sealed record Result(IReadOnlyList<CompilerWarning> Warnings, bool HasErrors);

    /// <summary>The path part of an ErrorLog property value such as "x.sarif,version=2.1".</summary>
    public static string PathOf(string errorLogProperty)
    {
        var comma = errorLogProperty.IndexOf(",version=", StringComparison.OrdinalIgnoreCase);
        return comma < 0 ? errorLogProperty : errorLogProperty[..comma];
    }

    public static Result Read(string sarifPath, string projectDirectory)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(sarifPath));
        var warnings = new List<CompilerWarning>();
        var hasErrors = false;
        if (!doc.RootElement.TryGetProperty("runs", out var runs)) return new Result(warnings, false);
        foreach (var run in runs.EnumerateArray())
        {
            if (!run.TryGetProperty("results", out var results)) continue;
            foreach (var result in results.EnumerateArray())
            {
                if (result.TryGetProperty("suppressions", out var suppressions) && suppressions.GetArrayLength() > 0) continue;
                // SARIF's default level is "warning".
                var level = result.TryGetProperty("level", out var l) ? l.GetString() : "warning";
                if (level == "error") { hasErrors = true; continue; }
                if (level != "warning") continue;
                warnings.Add(ToWarning(result, projectDirectory));
            }
        }
        return new Result(warnings, hasErrors);
    }

    private static CompilerWarning ToWarning(JsonElement result, string projectDirectory)
    {
        var code = result.TryGetProperty("ruleId", out var id) ? id.GetString() ?? "" : "";
        var message = result.TryGetProperty("message", out var m) && m.TryGetProperty("text", out var t) ? t.GetString() ?? "" : "";
        string? file = null;
        int line = 0, column = 0, endLine = 0, endColumn = 0;
        if (result.TryGetProperty("locations", out var locations) && locations.GetArrayLength() > 0
            && locations[0].TryGetProperty("physicalLocation", out var physical))
        {
            if (physical.TryGetProperty("artifactLocation", out var artifact) && artifact.TryGetProperty("uri", out var uri)
                && Uri.TryCreate(uri.GetString(), UriKind.Absolute, out var parsed) && parsed.IsFile)
            {
                file = Path.GetRelativePath(projectDirectory, parsed.LocalPath).Replace('\\', '/');
            }
            if (physical.TryGetProperty("region", out var region))
            {
                line = Int(region, "startLine");
                column = Int(region, "startColumn");
                endLine = Int(region, "endLine");
                endColumn = Int(region, "endColumn");
            }
        }
        return new CompilerWarning(code, message, file, line, column, endLine, endColumn);
    }

    private static int Int(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.TryGetInt32(out var i) ? i : 0;
}
