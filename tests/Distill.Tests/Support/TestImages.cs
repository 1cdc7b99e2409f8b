using System.Text;
using Distill.Oci;

namespace Distill.Tests.Support;

/// <summary>
/// A small runnable image made with our own code: Debian's static busybox (package busybox-static) as the system
/// layer and a few files, a symlink and an executable script as the application layer.
/// </summary>
public static class TestImages
{
    public const string Busybox = "/bin/busybox";
    public static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    public static IReadOnlyList<LayerEntry> SystemEntries() =>
    [
        LayerEntry.FromFile("bin/busybox", Busybox, (UnixFileMode)0b111_101_101),
        LayerEntry.Symlink("bin/sh", "busybox"),
        LayerEntry.FromBytes("etc/passwd", Encoding.ASCII.GetBytes("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")),
        LayerEntry.FromBytes("etc/group", Encoding.ASCII.GetBytes("root:x:0:\nnonroot:x:65532:\n")),
        LayerEntry.Directory("tmp", (UnixFileMode)0b1_111_111_111),
        LayerEntry.Directory("home/nonroot", (UnixFileMode)0b111_101_101) with { Uid = 65532, Gid = 65532 },
    ];

    public static IReadOnlyList<LayerEntry> AppEntries(string greeting = "hello from distill") =>
    [
        LayerEntry.FromBytes("app/greeting.txt", Encoding.UTF8.GetBytes(greeting + "\n")),
        LayerEntry.FromBytes("app/run.sh", Encoding.ASCII.GetBytes("#!/bin/sh\ncat /app/greeting.txt\n"), (UnixFileMode)0b111_101_101),
        LayerEntry.Symlink("app/current", "greeting.txt"),
        LayerEntry.Symlink("app/busybox-link", "/bin/busybox"),
        LayerEntry.FromBytes("app/data/private.key", Encoding.ASCII.GetBytes("secret\n"), (UnixFileMode)0b110_000_000),
    ];

    public static ImageConfigOptions ConfigOptions() => new()
    {
        Created = Epoch,
        Cmd = ["/bin/sh", "/app/run.sh"],
        Env = ["PATH=/bin", "APP_MODE=test"],
        ExposedPorts = ["8080/tcp"],
        User = "65532:65532",
        WorkingDir = "/app",
        Labels = new Dictionary<string, string>
        {
            ["org.opencontainers.image.title"] = "distill-test",
            ["org.opencontainers.image.version"] = "1.0",
        },
    };

    public static async Task<(IImage Image, Layer System, Layer App)> BuildAsync(BlobStore store, string greeting = "hello from distill",
        LayerCompression compression = LayerCompression.Gzip, IImage? baseImage = null)
    {
        var options = new LayerOptions { Compression = compression, Timestamp = Epoch };
        var system = await LayerBuilder.BuildAsync(SystemEntries(), options, store, CancellationToken.None);
        var app = await LayerBuilder.BuildAsync(AppEntries(greeting), options, store, CancellationToken.None);
        var image = await new ImageBuilder(store, baseImage)
            .AddLayer(system, "distill: system files")
            .AddLayer(app, "distill: application")
            .BuildAsync(ConfigOptions(), CancellationToken.None);
        return (image, system, app);
    }
}
