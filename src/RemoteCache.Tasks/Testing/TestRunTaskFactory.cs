using System.Reflection;
using Microsoft.Build.Framework;

namespace RemoteCache.Tasks.Testing;

/// <summary>
/// Stands in for the test runner task of the VSTest target (VSTestTask, VSTestTask2) when CacheTests=true: a run
/// whose inputs are unchanged is answered from the cache instead of running (see <see cref="CachedTestRunTask"/>).
/// </summary>
public sealed class TestRunTaskFactory : WrappedTaskFactory
{
    public override string FactoryName => nameof(TestRunTaskFactory);

    public override Type TaskType => typeof(CachedTestRunTask);

    protected override string Role => "the test task";

    protected override ITask Wrap(ITask task, IReadOnlyDictionary<string, PropertyInfo> properties) => new CachedTestRunTask(task, properties);
}
