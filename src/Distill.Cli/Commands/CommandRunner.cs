using Distill.Cli.Output;

namespace Distill.Cli.Commands;

/// <summary>Runs a command's body and turns failures into one line on stderr and an exit code.</summary>
internal static class CommandRunner
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Cancelled = 130;

    public static async Task<int> RunAsync(Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(cancellationToken);
        }
        catch (DistillException ex)
        {
            Terminal.Error(ex.Message);
            return Failure;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Terminal.Error("cancelled");
            return Cancelled;
        }
        catch (IOException ex)
        {
            Terminal.Error(ex.Message);
            return Failure;
        }
        catch (UnauthorizedAccessException ex)
        {
            Terminal.Error(ex.Message);
            return Failure;
        }
    }
}
