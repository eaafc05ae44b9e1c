// The end-to-end tests drive shell scripts, git and Unix paths: they run on Linux (and CI).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
