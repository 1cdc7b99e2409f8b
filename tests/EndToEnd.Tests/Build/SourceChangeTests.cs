using System.Text;
using Distill.EndToEnd.Tests.Support;
using Distill.Oci;
using Distill.Tests.Support;
using Xunit.Abstractions;

namespace Distill.EndToEnd.Tests.Build;

/// <summary>Issue 3: "a change of one source file changes only the application layer" (so a push re-uploads only it).</summary>
[Collection(DemoImageCollection.Name)]
public sealed class SourceChangeTests(DemoImageFixture demo, ITestOutputHelper output)
{
    private const string Original = "May the Source be with you!";
    private const string Changed = "May the Source be with you, end to end!";

    [Fact]
    public async Task Changing_one_source_file_changes_only_the_application_layer()
    {
        using var work = new TempDirectory("distill-e2e-change");
        var copy = work.Combine("demo");
        CopyWithoutBuildOutput(demo.ExtractedDemoFolder(), copy);
        var source = Path.Combine(copy, "DemoServer", "Routes", "InfoPages.cs");
        var text = await File.ReadAllTextAsync(source);
        Assert.Contains(Original, text);
        await File.WriteAllTextAsync(source, text.Replace(Original, Changed, StringComparison.Ordinal));

        // Same tag as the demo image, so the config differs only by what the code change does.
        var changed = BuildSummary.Parse(await DistillCli.RunAsync(
            ["build", Path.Combine(copy, "DemoServer"), "--out-dir", work.Combine("out"), "--tag", demo.Tag, "--json"], demo.Cli));
        var before = demo.OciArchive;

        Assert.Equal(before.Layers.Select(l => l.Role), changed.Layers.Select(l => l.Role));
        Assert.Equal(before.Layer("system").Digest, changed.Layer("system").Digest);
        Assert.NotEqual(before.Layer("application").Digest, changed.Layer("application").Digest);
        Assert.NotEqual(before.ManifestDigest, changed.ManifestDigest);

        // The new application layer carries the change, the old one did not. String literals are UTF-16 in a Native AOT
        // binary, though not always with their last character stored as such: look for a part of the new text.
        var needle = Encoding.Unicode.GetBytes("with you, end to end");
        var program = await ReadFileFromLayerAsync(changed.Output, changed.Layer("application").Digest, "app/demo-server");
        Assert.True(Contains(program, needle), "the changed text is not in the new /app/demo-server");
        var previous = await ReadFileFromLayerAsync(before.Output, before.Layer("application").Digest, "app/demo-server");
        Assert.False(Contains(previous, needle), "the changed text was already in the old /app/demo-server");
        output.WriteLine($"system layer {changed.Layer("system").Digest} kept; application layer {before.Layer("application").Digest} → {changed.Layer("application").Digest}");
    }

    private static void CopyWithoutBuildOutput(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
                continue;
            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static async Task<byte[]> ReadFileFromLayerAsync(string archive, string layerDigest, string path)
    {
        var image = await ImageSource.OpenAsync(archive, null, CancellationToken.None);
        var layer = image.Manifest.Layers.Single(l => l.Digest.ToString() == layerDigest);
        await using var reader = LayerReader.Open(image.OpenBlob(layer));
        while (await reader.GetNextEntryAsync(CancellationToken.None) is { } entry)
        {
            if (entry.Path != path || entry.DataStream is null)
                continue;
            var content = new MemoryStream();
            await entry.DataStream.CopyToAsync(content);
            return content.ToArray();
        }
        throw new Xunit.Sdk.XunitException($"{path} is not in layer {layerDigest}");
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
