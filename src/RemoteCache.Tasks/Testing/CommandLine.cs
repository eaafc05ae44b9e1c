namespace RemoteCache.Tasks.Testing;

/// <summary>Splits a command line as MSBuild hands one to a runner: on spaces, with double quotes around arguments that hold them.</summary>
internal static class CommandLine
{
    public static List<string> Split(string text)
    {
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in text)
        {
            if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (any) parts.Add(current.ToString());
                current.Clear();
                any = false;
            }
            else
            {
                current.Append(c);
                any = true;
            }
        }
        if (any) parts.Add(current.ToString());
        return parts;
    }
}
