using System.Reflection;
using Microsoft.Build.Framework;

namespace RemoteCache.Tasks.Compiler;

/// <summary>
/// Stands in for the compiler task (Csc) so that its warnings can be kept with a cache entry and replayed on a hit.
/// The real task does all the work; only what it logs is seen on the way. An error log (/errorlog) would carry the
/// same warnings, but it makes the compiler run every Info-severity analyzer and time each one, about a tenth of a
/// cold build.
/// </summary>
public sealed class CompilerTaskFactory : WrappedTaskFactory
{
    public override string FactoryName => nameof(CompilerTaskFactory);

    public override Type TaskType => typeof(WarningRecordingTask);

    protected override string Role => "the compiler task";

    protected override ITask Wrap(ITask task, IReadOnlyDictionary<string, PropertyInfo> properties) => new WarningRecordingTask(task, properties);
}
