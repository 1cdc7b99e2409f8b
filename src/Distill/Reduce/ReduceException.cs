namespace Distill.Reduce;

/// <summary>
/// Refusal of the reduce stage: bad input, an escape from a root, a library that cannot be found.
/// The message is one line that the command line prints as is.
/// </summary>
public sealed class ReduceException : DistillException
{
    public ReduceException(string message) : base(OneLine(message)) { }

    public ReduceException(string message, Exception inner) : base(OneLine(message), inner) { }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
