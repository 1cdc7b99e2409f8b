namespace Distill.Registry;

/// <summary>
/// A registry operation failed: unreachable registry, bad credentials, a rejected manifest, a blob that did not match.
/// The message is one line naming the registry, what was attempted and what the registry said; the CLI prints it as is.
/// </summary>
public sealed class RegistryException : DistillException
{
    public RegistryException(string message, int? statusCode = null, string? errorCode = null) : base(message)
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
    }

    public RegistryException(string message, Exception inner) : base(message, inner) { }

    /// <summary>The HTTP status of the response that failed, if there was one.</summary>
    public int? StatusCode { get; }

    /// <summary>The first error code from the registry's error body (e.g. MANIFEST_BLOB_UNKNOWN), if any.</summary>
    public string? ErrorCode { get; }
}
