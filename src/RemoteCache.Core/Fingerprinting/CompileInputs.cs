namespace RemoteCache.Core.Fingerprinting;

/// <summary>What kind of compiler input a file is; decides how its name and content enter the fingerprint.</summary>
public enum InputFileKind
{
    /// <summary>Its path can end up in the outputs (PDB documents, CallerFilePath, analyzers): named as the build sees it.</summary>
    Source,
    /// <summary>Only its content matters (references, analyzers, resources, key files).</summary>
    Content,
    /// <summary>Analyzer config: text that may hold absolute paths of the project, folded to tokens before hashing.</summary>
    EditorConfig,
    /// <summary>The SourceLink map: text holding the commit SHA, which is folded out when asked to.</summary>
    SourceLink,
    /// <summary>Not read: only its name and metadata matter (a target framework, a project reference and its version).</summary>
    Name,
    /// <summary>
    /// Only its content matters, wherever it is: the compiler a build runs and the dotnet host it runs on. Named by
    /// its category alone, so the same compiler in another folder is the same input.
    /// </summary>
    Tool,
}

public sealed record InputFile(string Category, InputFileKind Kind, string Path, IReadOnlyList<KeyValuePair<string, string>> Metadata);

public sealed record OutputFile(string Role, string Path);

/// <summary>Everything about one compile that can change its outputs, as MSBuild hands it over.</summary>
public sealed record CompileInputs
{
    public required string ProjectDirectory { get; init; }
    public required IReadOnlyList<KeyValuePair<string, string>> Properties { get; init; }
    public required IReadOnlyList<InputFile> Files { get; init; }
    public required IReadOnlyList<OutputFile> Outputs { get; init; }
    public string PathMap { get; init; } = "";
    public string NuGetPackageRoot { get; init; } = "";
    public string DotNetRoot { get; init; } = "";
    public bool IgnoreSourceRevision { get; init; } = true;
}
