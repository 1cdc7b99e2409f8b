using Distill.Processes;

namespace Distill.Pipeline;

/// <summary>The visible stages of a build.</summary>
public enum BuildStage
{
    Publish,
    Reduce,
    Pack,
    Push,
}

/// <summary>
/// What a build tells whoever shows it (the CLI's progress bars or plain lines). Calls come from the build's own
/// thread, except <see cref="PublishOutput"/> which comes as the compiler writes.
/// </summary>
public interface IBuildObserver
{
    void StageStarted(BuildStage stage, string description) { }

    /// <summary>Part of a stage is done: <paramref name="fraction"/> from 0 to 1 when known.</summary>
    void StageProgress(BuildStage stage, double? fraction, string detail) { }

    void StageCompleted(BuildStage stage, TimeSpan elapsed, string summary) { }

    /// <summary>One line of <c>dotnet publish</c> output.</summary>
    void PublishOutput(OutputLine line) { }
}

/// <summary>An observer that ignores everything.</summary>
public sealed class SilentBuildObserver : IBuildObserver;
