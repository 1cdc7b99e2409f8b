using System.Text;
using Distill.EndToEnd.Tests.Support;
using Distill.Oci;
using Distill.Tests.Support;
using static Distill.EndToEnd.Tests.Report.HostileImages;

namespace Distill.EndToEnd.Tests.Report;

/// <summary>
/// Issue 5's bad input for `distill report`, generated here: each hostile image gives exit 1, one `distill: error:` line
/// naming the problem, and no HTML file (nor a temporary one) in the folder it was asked for. A control image made the
/// same way, without the flaw, is reported: the refusals are the flaws', not the way the images are made.
/// </summary>
public sealed class HostileReportTests : IDisposable
{
    private readonly TempDirectory _work = new("distill-e2e-hostile");

    [Fact]
    public async Task An_image_made_the_same_way_without_a_flaw_is_reported()
    {
        var archive = await WriteArchiveAsync(_work.Path, "control",
            RawLayer.Gzipped(BenignTar()), RawLayer.Plain(Tar(File("app/run", "#!/bin/sh\n"), Symlink("app/current", "../app/run"), Symlink("app/abs", "/app/run"))));
        var html = _work.Combine("control-report", "report.html");
        Directory.CreateDirectory(Path.GetDirectoryName(html)!);
        var result = await DistillCli.RunAsync(["report", archive, "--html", html]);
        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Contains("2 layer(s)", result.Stdout);
        Assert.Contains("/app/data.bin", result.Stdout);
        Assert.True(System.IO.File.Exists(html));
    }

    [Fact]
    public async Task A_file_that_is_not_an_image_is_refused()
    {
        var path = _work.Combine("random.tar");
        var bytes = new byte[64 * 1024];
        new Random(7).NextBytes(bytes);
        await System.IO.File.WriteAllBytesAsync(path, bytes);
        await AssertRefusedAsync(path, "is not a tar archive");
    }

    [Fact]
    public async Task A_truncated_archive_is_refused()
    {
        var archive = await WriteArchiveAsync(_work.Path, "whole", RawLayer.Gzipped(BenignTar()));
        var bytes = await System.IO.File.ReadAllBytesAsync(archive);
        var truncated = _work.Combine("truncated.oci.tar");
        await System.IO.File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length * 6 / 10)]);
        await AssertRefusedAsync(truncated, "truncated");
    }

    [Fact]
    public async Task A_truncated_gzip_layer_is_refused()
    {
        var tar = BenignTar();
        var gzip = Gzip(tar);
        // The blob is stored under the digest of its truncated bytes: only the gzip stream itself is broken.
        var layer = new RawLayer(gzip[..(gzip.Length * 2 / 3)], MediaTypes.OciLayerGzip, Digest.Compute(tar), tar.Length);
        await AssertRefusedAsync(await WriteArchiveAsync(_work.Path, "cut-gzip", layer), "corrupt or truncated");
    }

    [Fact]
    public async Task A_layer_whose_digest_does_not_match_is_refused_in_a_layout_and_in_an_archive()
    {
        // An uncompressed layer, so a changed byte still reads as a valid tar: only the digest check can catch it.
        var tar = Tar(File("app/greeting.txt", "hello from distill\n"));
        var (layout, image) = await WriteLayoutAsync(_work.Path, "tampered", RawLayer.Plain(tar));
        var blob = Path.Combine(layout, "blobs", "sha256", image.Manifest.Layers[0].Digest.Hex);
        var bytes = await System.IO.File.ReadAllBytesAsync(blob);
        var at = bytes.AsSpan().IndexOf("hello from distill"u8);
        Assert.True(at > 0);
        bytes[at] = (byte)'j';
        await System.IO.File.WriteAllBytesAsync(blob, bytes);

        await AssertRefusedAsync(layout, "does not match its digest");
        await AssertRefusedAsync(ArchiveDirectory(layout, _work.Combine("tampered.oci.tar")), "does not match its digest");
    }

    [Fact]
    public async Task A_tar_entry_that_climbs_out_of_the_root_is_refused()
    {
        var archive = await WriteArchiveAsync(_work.Path, "escape",
            RawLayer.Gzipped(Tar(File("app/ok.txt", "ok\n"), File("../escape", "outside\n"))));
        await AssertRefusedAsync(archive, "'../escape' contains '..'");
    }

    [Fact]
    public async Task A_symlink_that_points_out_of_the_root_is_refused()
    {
        var archive = await WriteArchiveAsync(_work.Path, "symlink",
            RawLayer.Gzipped(Tar(File("app/ok.txt", "ok\n"), Symlink("app/secrets", "../../../etc/shadow"))));
        await AssertRefusedAsync(archive, "points outside the image root");
    }

    [Fact]
    public async Task A_small_layer_of_zeros_with_a_huge_expansion_ratio_is_refused_by_default()
    {
        var layer = RawLayer.Gzipped(Tar(File("app/zeros.bin", new byte[32 << 20])));
        Assert.True(layer.Blob.Length < 100_000, $"the bomb is {layer.Blob.Length} bytes");
        await AssertRefusedAsync(await WriteArchiveAsync(_work.Path, "bomb", layer), "decompression bomb");
    }

    [Fact]
    public async Task A_layer_that_expands_past_max_layer_bytes_is_refused()
    {
        var archive = await WriteArchiveAsync(_work.Path, "big", RawLayer.Gzipped(BenignTar()));
        await AssertRefusedAsync(archive, "expands past the limit of 100000 bytes", "--max-layer-bytes", "100000");
    }

    private async Task AssertRefusedAsync(string image, string problem, params string[] options)
    {
        var folder = _work.Combine("report-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        var html = Path.Combine(folder, "report.html");
        var result = await DistillCli.RunAsync(["report", image, "--html", html, .. options]);
        Assert.True(result.ExitCode == 1, result.Describe());
        Assert.True(result.ErrorLines.Count == 1, "expected one 'distill: error:' line\n" + result.Describe());
        Assert.True(result.ErrorLines[0].Contains(problem, StringComparison.OrdinalIgnoreCase), $"expected '{problem}' in: {result.ErrorLines[0]}");
        Assert.Contains(image, result.ErrorLines[0]); // it says which image
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder)); // no report, no temporary file
    }

    public void Dispose() => _work.Dispose();
}
