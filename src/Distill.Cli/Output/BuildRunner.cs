using Distill.Pipeline;
using Spectre.Console;

namespace Distill.Cli.Output;

/// <summary>Runs the build pipeline with the right progress display: bars on a terminal, plain lines otherwise.</summary>
internal static class BuildRunner
{
    public static async Task<BuildResult> RunAsync(BuildOptions options, CancellationToken cancellationToken)
    {
        var pipeline = (IBuildObserver observer) => new BuildPipeline(observer).RunAsync(options, cancellationToken);
        if (!Terminal.IsInteractive)
            return await pipeline(new PlainBuildObserver());

        ProgressBuildObserver? observer = null;
        try
        {
            return await Terminal.Err.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new SpinnerColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    observer = new ProgressBuildObserver(context);
                    return await pipeline(observer);
                });
        }
        catch (DistillException)
        {
            foreach (var line in observer?.ErrorLines ?? [])
                Terminal.Info(line);
            throw;
        }
    }
}
