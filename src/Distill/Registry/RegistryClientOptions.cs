using Distill.Oci;

namespace Distill.Registry;

/// <summary>How <see cref="RegistryClient"/> connects, authenticates and retries.</summary>
public sealed record RegistryClientOptions
{
    /// <summary>Credentials for every registry this client talks to; they win over <see cref="DockerConfig"/>.</summary>
    public RegistryCredentials? Credentials { get; init; }

    /// <summary>Where credentials are looked up by registry host when <see cref="Credentials"/> is null.</summary>
    public DockerConfigFile? DockerConfig { get; init; }

    /// <summary>Plain HTTP instead of HTTPS. Only allowed for loopback registries (localhost, 127.0.0.0/8, ::1)
    /// unless <see cref="AllowInsecureRemote"/> is set, since credentials would cross the network in clear.</summary>
    public bool Insecure { get; init; }

    public bool AllowInsecureRemote { get; init; }

    public RetryPolicy Retry { get; init; } = new();

    /// <summary>Upload blobs larger than this in PATCH chunks of this size; null uploads each blob in one PUT.</summary>
    public int? ChunkSize { get; init; }

    /// <summary>Limit for one HTTP request, from sending to the end of the response headers.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public string UserAgent { get; init; } = "distill/1.0";
}

/// <summary>
/// Retries for transient failures (connection refused or reset, 5xx, 429): exponential backoff from
/// <see cref="InitialDelay"/> doubling up to <see cref="MaxDelay"/>, at most <see cref="MaxAttempts"/> attempts and
/// no new attempt once <see cref="MaxElapsed"/> has passed.
/// </summary>
public sealed record RetryPolicy
{
    public int MaxAttempts { get; init; } = 5;
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(250);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(8);
    public TimeSpan MaxElapsed { get; init; } = TimeSpan.FromMinutes(2);

    public static RetryPolicy None { get; } = new() { MaxAttempts = 1 };
}

/// <summary>What a push or pull is doing with a blob or manifest, for progress display.</summary>
public enum RegistryProgressKind
{
    /// <summary>The registry already has the blob; it is not uploaded.</summary>
    BlobSkipped,

    /// <summary>Bytes of a blob were sent or received; <see cref="RegistryProgress.BytesDone"/> grows.</summary>
    BlobTransferring,

    BlobDone,
    ManifestDone,
}

/// <summary>One progress report of a push or pull.</summary>
public readonly record struct RegistryProgress(RegistryProgressKind Kind, Digest Digest, long BytesDone, long TotalBytes);

/// <summary>The outcome of a push.</summary>
public sealed record PushResult
{
    /// <summary>The pushed reference with the manifest digest.</summary>
    public required ImageReference Reference { get; init; }

    public required Descriptor Manifest { get; init; }
    public int BlobsUploaded { get; init; }
    public int BlobsSkipped { get; init; }
    public long BytesUploaded { get; init; }
}
