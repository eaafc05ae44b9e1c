using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.Build.Framework;

namespace RemoteCache.Tasks.Compiler;

/// <summary>
/// Stands in for the compiler task (Csc) so that its warnings can be kept with a cache entry and replayed on a hit.
/// The real task, from the assembly named in the UsingTask body, does all the work with every parameter CoreCompile
/// passes; only what it logs is seen on the way. An error log (/errorlog) would carry the same warnings, but it makes
/// the compiler run every Info-severity analyzer and time each one, about a tenth of a cold build.
/// </summary>
public sealed class CompilerTaskFactory : ITaskFactory
{
    private static readonly ConcurrentDictionary<string, Assembly> Loaded = new(StringComparer.Ordinal);

    private Type _taskType = typeof(object);
    private Dictionary<string, PropertyInfo> _properties = new(StringComparer.OrdinalIgnoreCase);
    private TaskPropertyInfo[] _parameters = [];

    public string FactoryName => nameof(CompilerTaskFactory);

    public Type TaskType => typeof(WarningRecordingTask);

    public bool Initialize(string taskName, IDictionary<string, TaskPropertyInfo> parameterGroup, string taskBody, IBuildEngine taskFactoryLoggingHost)
    {
        var assemblyPath = taskBody.Trim();
        try
        {
            var assembly = Loaded.GetOrAdd(Path.GetFullPath(assemblyPath), path => new TaskAssemblyContext(path).LoadFromAssemblyPath(path));
            _taskType = assembly.GetType(taskName, throwOnError: true)!;
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or TypeLoadException or ArgumentException)
        {
            taskFactoryLoggingHost.LogErrorEvent(new BuildErrorEventArgs(null, WarningCodes.Unexpected, null, 0, 0, 0, 0,
                $"RemoteCache: cannot load the compiler task {taskName} from '{assemblyPath}' ({e.Message}). Set CacheMode=Off to build without the cache.",
                null, FactoryName));
            return false;
        }
        _properties = _taskType.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => IsParameterType(p.PropertyType) && p.GetIndexParameters().Length == 0)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        _parameters = _properties.Values
            .Select(p => new TaskPropertyInfo(p.Name, p.PropertyType, p.IsDefined(typeof(OutputAttribute)), p.IsDefined(typeof(RequiredAttribute))))
            .ToArray();
        return true;
    }

    public TaskPropertyInfo[] GetTaskParameters() => _parameters;

    public ITask CreateTask(IBuildEngine taskFactoryLoggingHost) =>
        new WarningRecordingTask((ITask)Activator.CreateInstance(_taskType)!, _properties);

    public void CleanupTask(ITask task)
    {
    }

    /// <summary>The types MSBuild can pass to and from a task parameter (BuildEngine, HostObject and Log are not).</summary>
    private static bool IsParameterType(Type type)
    {
        var element = type.IsArray ? type.GetElementType()! : type;
        return element == typeof(string) || element == typeof(ITaskItem) || element.IsPrimitive || element == typeof(DateTime) || element == typeof(decimal);
    }

    /// <summary>
    /// The compiler task assembly in a context of its own, so an SDK compiler and one from a
    /// Microsoft.Net.Compilers.Toolset package can both be used in one MSBuild node. MSBuild's own assemblies come from
    /// the default context, so the task and this factory agree on ITask and the event types.
    /// </summary>
    private sealed class TaskAssemblyContext(string path) : AssemblyLoadContext("RemoteCache compiler task: " + path)
    {
        private readonly string _folder = Path.GetDirectoryName(path)!;

        protected override Assembly? Load(AssemblyName name)
        {
            // Satellite resources sit in culture folders next to the task assembly; everything else is MSBuild's or the runtime's.
            if (string.IsNullOrEmpty(name.CultureName)) return null;
            var satellite = Path.Combine(_folder, name.CultureName, name.Name + ".dll");
            return File.Exists(satellite) ? LoadFromAssemblyPath(satellite) : null;
        }
    }
}
