namespace Distill.Oci;

/// <summary>
/// A problem with an image, a layer or an image file: bad input, a missing or corrupt blob, a path that would escape the
/// image root. The message is one line a user can act on; the CLI prints it as is.
/// </summary>
public sealed class OciException : DistillException
{
    public OciException(string message) : base(message) { }

    public OciException(string message, Exception inner) : base(message, inner) { }
}
