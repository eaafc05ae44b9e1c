using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.Build.Framework;

namespace RemoteCache.Tasks;

/// <summary>
/// Stands in for a task of MSBuild's or the SDK's (the compiler, the test runner) so the cache can see or skip what it
/// does: the real task, from the assembly named in the UsingTask body, takes every parameter the targets pass, and
/// <see cref="Wrap"/> decides what happens around its Execute.
/// </summary>
public abstract class WrappedTaskFactory : ITaskFactory
{
    private static readonly ConcurrentDictionary<string, Assembly> Loaded = new(StringComparer.Ordinal);

    private Type _taskType = typeof(object);
    private Dictionary<string, PropertyInfo> _properties = new(StringComparer.OrdinalIgnoreCase);
    private TaskPropertyInfo[] _parameters = [];

    public abstract string FactoryName { get; }

    public abstract Type TaskType { get; }

    /// <summary>What the task is, for the error when it cannot be loaded ("the compiler task").</summary>
    protected abstract string Role { get; }

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
                $"RemoteCache: cannot load {Role} {taskName} from '{assemblyPath}' ({e.Message}). Set CacheMode=Off to build without the cache.",
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

    public ITask CreateTask(IBuildEngine taskFactoryLoggingHost) => Wrap((ITask)Activator.CreateInstance(_taskType)!, _properties);

    /// <summary>The task MSBuild runs, around the real one; parameters are the real task's public properties by name.</summary>
    protected abstract ITask Wrap(ITask task, IReadOnlyDictionary<string, PropertyInfo> properties);

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
    /// The task assembly in a context of its own, so an SDK compiler and one from a Microsoft.Net.Compilers.Toolset
    /// package can both be used in one MSBuild node. MSBuild's own assemblies come from the default context, so the
    /// task and this factory agree on ITask and the event types; what neither has comes from the task's folder.
    /// </summary>
    private sealed class TaskAssemblyContext : AssemblyLoadContext
    {
        private readonly string _folder;

        public TaskAssemblyContext(string path) : base("RemoteCache wrapped task: " + path)
        {
            _folder = Path.GetDirectoryName(path)!;
            Resolving += (context, name) => File.Exists(Path.Combine(_folder, name.Name + ".dll")) ? context.LoadFromAssemblyPath(Path.Combine(_folder, name.Name + ".dll")) : null;
        }

        protected override Assembly? Load(AssemblyName name)
        {
            // Satellite resources sit in culture folders next to the task assembly; everything else is MSBuild's or the runtime's.
            if (string.IsNullOrEmpty(name.CultureName)) return null;
            var satellite = Path.Combine(_folder, name.CultureName, name.Name + ".dll");
            return File.Exists(satellite) ? LoadFromAssemblyPath(satellite) : null;
        }
    }
}
