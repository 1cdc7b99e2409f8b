using System.Text;
using Distill.Oci;
using Distill.Report;
using Distill.Tests.Support;

namespace Distill.Tests.Report;

/// <summary>Images with several layers, written by the real layer writer and read back streaming by the analyzer.</summary>
public class ImageAnalyzerTests
{
    private static LayerEntry File(string path, int size) => LayerEntry.FromBytes(path, Encoding.ASCII.GetBytes(new string('x', size)));

    private static LayerEntry Whiteout(string path) => LayerEntry.FromBytes(path, ReadOnlyMemory<byte>.Empty);

    private static async Task<IImage> BuildAsync(BlobStore store, params IReadOnlyList<LayerEntry>[] layers)
    {
        var builder = new ImageBuilder(store);
        for (var i = 0; i < layers.Length; i++)
        {
            var layer = await LayerBuilder.BuildAsync(layers[i], new LayerOptions(), store, CancellationToken.None);
            builder.AddLayer(layer, $"layer {i}");
        }
        return await builder.BuildAsync(new ImageConfigOptions { Entrypoint = ["/bin/app"] }, CancellationToken.None);
    }

    [Fact]
    public async Task Overwritten_and_deleted_files_are_wasted_and_gone_from_the_final_file_system()
    {
        using var temp = new TempDirectory();
        var image = await BuildAsync(new BlobStore(temp.Path),
            [File("bin/app", 1000), File("etc/config", 300), File("var/cache/a", 500), File("var/cache/b", 700), File("opt/tool/x", 50)],
            [File("bin/app", 1200), Whiteout("etc/.wh.config"), Whiteout("var/cache/.wh..wh..opq"), File("var/cache/c", 10), Whiteout(".wh.opt")]);

        var report = await new ImageAnalyzer().AnalyzeAsync(image, "test", "memory", CancellationToken.None);

        Assert.Equal(
            ["bin/app:1000:0:1:False", "etc/config:300:0:1:True", "opt/tool/x:50:0:1:True", "var/cache/a:500:0:1:True", "var/cache/b:700:0:1:True"],
            report.Wasted.Select(w => $"{w.Path}:{w.Size}:{w.Layer}:{w.ReplacedByLayer}:{w.Deleted}").Order(StringComparer.Ordinal));
        Assert.Equal(2550, report.WastedSize);
        Assert.Equal(["bin/app", "var/cache/c"], report.LargestFiles.Select(f => f.Path));
        Assert.Equal(1210, report.Tree.Size);
        Assert.Equal([5, 2], report.Layers.Select(l => l.FileCount));
        Assert.Equal(["layer 0", "layer 1"], report.Layers.Select(l => l.CreatedBy));
        Assert.All(report.Layers, l => Assert.True(l.UncompressedSize > l.ContentSize, "the tar stream is larger than its files"));
    }

    [Fact]
    public async Task Tar_size_is_what_the_layer_builder_wrote()
    {
        using var temp = new TempDirectory();
        var store = new BlobStore(temp.Path);
        var layer = await LayerBuilder.BuildAsync([File("a", 5000), File("b/c", 70000)], new LayerOptions(), store, CancellationToken.None);
        var image = await new ImageBuilder(store).AddLayer(layer, "one").BuildAsync(new ImageConfigOptions(), CancellationToken.None);

        var report = await new ImageAnalyzer().AnalyzeAsync(image, "test", "memory", CancellationToken.None);

        Assert.Equal(layer.UncompressedSize, report.Layers.Single().UncompressedSize);
        Assert.Equal(layer.Descriptor.Size, report.CompressedSize);
        Assert.Empty(report.Wasted);
    }

    [Fact]
    public async Task A_file_replacing_a_directory_takes_the_directory_contents_with_it()
    {
        using var temp = new TempDirectory();
        var image = await BuildAsync(new BlobStore(temp.Path), [File("data/one", 10), File("data/two", 20)], [File("data", 5)]);

        var report = await new ImageAnalyzer().AnalyzeAsync(image, "test", "memory", CancellationToken.None);

        Assert.Equal(30, report.WastedSize);
        Assert.Equal(["data"], report.LargestFiles.Select(f => f.Path));
    }
}
