using System.Reflection;
using Microsoft.Build.Framework;

namespace RemoteCache.Tasks;

/// <summary>
/// A task MSBuild sees in place of another one (the compiler, the test runner), made by <see cref="WrappedTaskFactory"/>:
/// every parameter goes straight to the wrapped task, and cancelling cancels it.
/// </summary>
public abstract class WrappedTask(ITask inner, IReadOnlyDictionary<string, PropertyInfo> properties) : IGeneratedTask, ICancelableTask
{
    public IBuildEngine BuildEngine { get; set; } = null!;

    public ITaskHost? HostObject { get; set; }

    /// <summary>The real task.</summary>
    protected ITask Inner => inner;

    /// <summary>The real task's parameters by name.</summary>
    protected IReadOnlyDictionary<string, PropertyInfo> Properties => properties;

    public void SetPropertyValue(TaskPropertyInfo property, object value) => properties[property.Name].SetValue(inner, value);

    public object? GetPropertyValue(TaskPropertyInfo property) => properties[property.Name].GetValue(inner);

    public void Cancel() => (inner as ICancelableTask)?.Cancel();

    public abstract bool Execute();
}
