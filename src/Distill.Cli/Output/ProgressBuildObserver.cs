using Distill.Pipeline;
using Distill.Processes;
using Spectre.Console;

namespace Distill.Cli.Output;

/// <summary>
/// Build progress as one bar per stage on a terminal. The compiler's output is shown as the publish bar's latest line;
/// its error lines are kept and printed if the build fails.
/// </summary>
internal sealed class ProgressBuildObserver(ProgressContext context) : IBuildObserver
{
    private readonly Dictionary<BuildStage, ProgressTask> _tasks = [];
    private readonly List<string> _errors = [];
    private readonly Lock _lock = new();

    public IReadOnlyList<string> ErrorLines { get { lock (_lock) return [.. _errors]; } }

    public void StageStarted(BuildStage stage, string description)
    {
        lock (_lock)
        {
            var task = context.AddTask(Label(stage, description), maxValue: 1.0);
            task.IsIndeterminate = stage == BuildStage.Publish;
            task.StartTask();
            _tasks[stage] = task;
        }
    }

    public void StageProgress(BuildStage stage, double? fraction, string detail)
    {
        lock (_lock)
        {
            if (!_tasks.TryGetValue(stage, out var task))
                return;
            if (fraction is { } value)
                task.Value = Math.Clamp(value, 0, 1);
            task.Description = Label(stage, detail);
        }
    }

    public void StageCompleted(BuildStage stage, TimeSpan elapsed, string summary)
    {
        lock (_lock)
        {
            if (!_tasks.TryGetValue(stage, out var task))
                return;
            task.IsIndeterminate = false;
            task.Value = task.MaxValue;
            task.Description = Label(stage, summary);
            task.StopTask();
        }
    }

    public void PublishOutput(OutputLine line)
    {
        var text = line.Text.Trim();
        if (text.Length == 0)
            return;
        lock (_lock)
        {
            if (text.Contains(": error ", StringComparison.Ordinal) && !_errors.Contains(text))
                _errors.Add(text);
            if (_tasks.TryGetValue(BuildStage.Publish, out var task))
                task.Description = Label(BuildStage.Publish, text.Length > 70 ? text[..67] + "..." : text);
        }
    }

    private static string Label(BuildStage stage, string text) =>
        $"[bold]{PlainBuildObserver.Name(stage),-8}[/] {Markup.Escape(text)}";
}
