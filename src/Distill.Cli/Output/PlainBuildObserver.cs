using Distill.Pipeline;
using Distill.Processes;

namespace Distill.Cli.Output;

/// <summary>Build progress as plain lines on stderr, for logs and pipes: each stage's start and end, compiler output indented.</summary>
internal sealed class PlainBuildObserver : IBuildObserver
{
    public void StageStarted(BuildStage stage, string description) => Terminal.Info($"[{Name(stage)}] {description}");

    public void StageProgress(BuildStage stage, double? fraction, string detail)
    {
        if (stage != BuildStage.Push)
            Terminal.Info($"[{Name(stage)}] {detail}");
    }

    public void StageCompleted(BuildStage stage, TimeSpan elapsed, string summary) =>
        Terminal.Info($"[{Name(stage)}] done in {elapsed.TotalSeconds:0.00} s: {summary}");

    public void PublishOutput(OutputLine line)
    {
        if (line.Text.Length > 0)
            Terminal.Info("    " + line.Text);
    }

    public static string Name(BuildStage stage) => stage.ToString().ToLowerInvariant();
}
