namespace Distill.Kube;

/// <summary>What the Kubernetes manifests describe. Memory figures are in bytes.</summary>
public sealed class KubeOptions
{
    /// <summary>The image reference a cluster pulls, e.g. registry.example.com/demo:1.0.</summary>
    public required string Image { get; init; }

    /// <summary>Name of the Deployment, Service and container; derived from the image when null.</summary>
    public string? Name { get; init; }

    public int Replicas { get; init; } = 2;

    public int ContainerPort { get; init; } = 8080;

    /// <summary>The port the Service exposes inside the cluster.</summary>
    public int ServicePort { get; init; } = 80;

    /// <summary>Publish the container port on the node (only for single-machine players such as <c>podman kube play</c>).</summary>
    public int? HostPort { get; init; }

    /// <summary>The node address <see cref="HostPort"/> binds to (e.g. 127.0.0.1); every address when null.</summary>
    public string? HostIp { get; init; }

    public string ProbePath { get; init; } = "/up";

    public int RunAsUser { get; init; } = 65532;

    public required MemorySizing Memory { get; init; }

    public string CpuRequest { get; init; } = "100m";

    public string CpuLimit { get; init; } = "1";

    /// <summary>Size limit of the in-memory /tmp volume.</summary>
    public long TmpSizeLimitBytes { get; init; } = 64L << 20;

    public IReadOnlyList<string> Arguments { get; init; } = [];
}

/// <summary>Memory request and limit, and where they came from (written into the manifest as a comment).</summary>
public sealed record MemorySizing(long RequestBytes, long LimitBytes, string Source)
{
    private const long Mi = 1 << 20;

    /// <summary>Used when nothing was measured: what a small Native AOT server needs, with room.</summary>
    public static MemorySizing Default { get; } = new(32 * Mi, 128 * Mi, "defaults (not measured)");

    /// <summary>
    /// Request = the peak under load plus a quarter (what the scheduler must reserve for the pod to do its work);
    /// limit = twice the peak, at least twice the request (room for bursts before the kernel's OOM killer acts).
    /// Both rounded up to 16 MiB, with floors of 32 MiB and 64 MiB.
    /// </summary>
    public static MemorySizing FromMeasurement(long idleBytes, long peakBytes)
    {
        var peak = Math.Max(idleBytes, peakBytes);
        var request = Math.Max(32 * Mi, RoundUp(peak + peak / 4, 16 * Mi));
        var limit = Math.Max(64 * Mi, Math.Max(RoundUp(peak * 2, 16 * Mi), request * 2));
        return new MemorySizing(request, limit,
            $"measured: idle RSS {idleBytes / (double)Mi:0.0} MiB, peak RSS under load {peak / (double)Mi:0.0} MiB");
    }

    private static long RoundUp(long value, long step) => (value + step - 1) / step * step;
}
