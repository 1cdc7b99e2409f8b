namespace Distill;

/// <summary>
/// A failure the user can act on. Its message is one line that the CLI prints as is, without a stack trace.
/// </summary>
public class DistillException : Exception
{
    public DistillException(string message) : base(message) { }
    public DistillException(string message, Exception inner) : base(message, inner) { }
}
