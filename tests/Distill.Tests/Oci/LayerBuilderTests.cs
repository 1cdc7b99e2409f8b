using System.Text;
using Distill.Oci;
using Distill.Tests.Support;

namespace Distill.Tests.Oci;

public class LayerBuilderTests
{
    [Fact]
    public async Task Layer_lists_sorted_entries_with_parents_fixed_owner_and_time_and_kept_modes_in_gnu_tar()
    {
        using var temp = new TempDirectory();
        var store = new BlobStore(temp.Combine("store"));
        var layer = await LayerBuilder.BuildAsync(
        [
            LayerEntry.FromBytes("usr/lib/z.so", Encoding.ASCII.GetBytes("zz"), (UnixFileMode)0b111_101_101),
            LayerEntry.FromBytes("app/a-b", Encoding.ASCII.GetBytes("x")),
            LayerEntry.FromBytes("app/bin/tool", Encoding.ASCII.GetBytes("tool"), (UnixFileMode)0b111_000_000),
            LayerEntry.Symlink("app/link", "bin/tool"),
            LayerEntry.Directory("tmp", (UnixFileMode)0b1_111_111_111),
        ], new LayerOptions { Timestamp = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000) }, store, CancellationToken.None);

        Assert.Equal(MediaTypes.OciLayerGzip, layer.Descriptor.MediaType);
        var listing = await ProcessRunner.RunCheckedAsync("tar", "--numeric-owner", "--full-time", "-tvzf", store.GetPath(layer.Descriptor.Digest));
        var lines = listing.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] expected =
        [
            "drwxr-xr-x 0/0 0 2023-11-14 22:13:20 app/",
            "-rw-r--r-- 0/0 1 2023-11-14 22:13:20 app/a-b",
            "drwxr-xr-x 0/0 0 2023-11-14 22:13:20 app/bin/",
            "-rwx------ 0/0 4 2023-11-14 22:13:20 app/bin/tool",
            "lrwxrwxrwx 0/0 0 2023-11-14 22:13:20 app/link -> bin/tool",
            "drwxrwxrwt 0/0 0 2023-11-14 22:13:20 tmp/",
            "drwxr-xr-x 0/0 0 2023-11-14 22:13:20 usr/",
            "drwxr-xr-x 0/0 0 2023-11-14 22:13:20 usr/lib/",
            "-rwxr-xr-x 0/0 2 2023-11-14 22:13:20 usr/lib/z.so",
        ];
        Assert.Equal(expected, lines.Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToArray());
        Assert.Equal(9, layer.EntryCount);
    }

    [Theory]
    [InlineData(LayerCompression.Gzip, MediaTypes.OciLayerGzip, "gzip")]
    [InlineData(LayerCompression.Zstd, MediaTypes.OciLayerZstd, "zstd")]
    [InlineData(LayerCompression.None, MediaTypes.OciLayer, "cat")]
    public async Task Digests_and_sizes_match_what_system_tools_compute(LayerCompression compression, string mediaType, string decompressor)
    {
        using var temp = new TempDirectory();
        var store = new BlobStore(temp.Combine("store"));
        var layer = await LayerBuilder.BuildAsync(TestImages.SystemEntries(), new LayerOptions { Compression = compression }, store, CancellationToken.None);
        var blob = store.GetPath(layer.Descriptor.Digest);

        Assert.Equal(mediaType, layer.Descriptor.MediaType);
        Assert.Equal(new FileInfo(blob).Length, layer.Descriptor.Size);
        var compressedSum = await ProcessRunner.RunCheckedAsync("sha256sum", blob);
        Assert.Equal(layer.Descriptor.Digest.Hex, compressedSum.StandardOutput[..64]);

        var script = decompressor == "cat" ? $"cat '{blob}'" : $"{decompressor} -dc < '{blob}'";
        var uncompressedSum = await ProcessRunner.RunCheckedAsync("sh", "-c", script + " | sha256sum");
        Assert.Equal(layer.DiffId.Hex, uncompressedSum.StandardOutput[..64]);
        var size = await ProcessRunner.RunCheckedAsync("sh", "-c", script + " | wc -c");
        Assert.Equal(layer.UncompressedSize, long.Parse(size.StandardOutput.Trim()));
        Assert.True(layer.UncompressedSize > new FileInfo(TestImages.Busybox).Length);
    }

    [Fact]
    public async Task Same_entries_in_any_order_give_the_same_bytes_and_a_changed_file_a_different_digest()
    {
        using var temp = new TempDirectory();
        var store = new BlobStore(temp.Combine("store"));
        var options = new LayerOptions { Timestamp = TestImages.Epoch };
        var first = await LayerBuilder.BuildAsync(TestImages.AppEntries(), options, store, CancellationToken.None);
        var second = await LayerBuilder.BuildAsync(TestImages.AppEntries().Reverse(), options, store, CancellationToken.None);
        var changed = await LayerBuilder.BuildAsync(TestImages.AppEntries("hello, changed"), options, store, CancellationToken.None);
        var laterTime = await LayerBuilder.BuildAsync(TestImages.AppEntries(), options with { Timestamp = DateTimeOffset.FromUnixTimeSeconds(86400) }, store, CancellationToken.None);

        Assert.Equal(first, second);
        Assert.NotEqual(first.Descriptor.Digest, changed.Descriptor.Digest);
        Assert.NotEqual(first.DiffId, laterTime.DiffId);
        // Only committed blobs are in the store: no temporary files are left behind.
        Assert.All(Directory.GetFiles(store.BlobDirectory), f => Assert.True(Digest.TryParse("sha256:" + Path.GetFileName(f), out _), f));
    }

    [Fact]
    public async Task Long_paths_are_written_and_read_back_deterministically()
    {
        using var temp = new TempDirectory();
        var store = new BlobStore(temp.Combine("store"));
        var longPath = "app/" + string.Join('/', Enumerable.Repeat("a-rather-long-directory-name", 8)) + "/file.txt";
        var first = await LayerBuilder.BuildAsync([LayerEntry.FromBytes(longPath, "x"u8.ToArray())], new LayerOptions(), store, CancellationToken.None);
        var second = await LayerBuilder.BuildAsync([LayerEntry.FromBytes(longPath, "x"u8.ToArray())], new LayerOptions(), store, CancellationToken.None);
        Assert.Equal(first.Descriptor.Digest, second.Descriptor.Digest);
        var listing = await ProcessRunner.RunCheckedAsync("tar", "-tzf", store.GetPath(first.Descriptor.Digest));
        Assert.Contains(longPath, listing.StandardOutput.Split('\n'));
    }

    [Theory]
    [InlineData("../etc/passwd", "contains '..'")]
    [InlineData("app/../../etc/passwd", "contains '..'")]
    [InlineData("/etc/passwd", "is absolute")]
    [InlineData("app/\0evil", "NUL")]
    [InlineData("app//x", "not clean")]
    [InlineData("./app/x", "not clean")]
    [InlineData("", "empty path")]
    public async Task Bad_paths_are_refused_before_anything_is_written(string path, string message)
    {
        using var temp = new TempDirectory();
        var store = new BlobStore(temp.Combine("store"));
        var error = await Assert.ThrowsAsync<OciException>(() =>
            LayerBuilder.BuildAsync([LayerEntry.FromBytes(path, "x"u8.ToArray())], new LayerOptions(), store, CancellationToken.None));
        Assert.Contains(message, error.Message);
        Assert.Empty(Directory.GetFiles(store.BlobDirectory));
    }

    [Theory]
    [InlineData("app/link", "../../etc/passwd")]
    [InlineData("link", "../etc")]
    [InlineData("a/b/link", "../../../x")]
    [InlineData("a/link", "/../../etc/shadow")]
    public async Task Symlinks_that_would_escape_the_root_are_refused(string path, string target)
    {
        using var temp = new TempDirectory();
        var store = new BlobStore(temp.Combine("store"));
        var error = await Assert.ThrowsAsync<OciException>(() =>
            LayerBuilder.BuildAsync([LayerEntry.Symlink(path, target)], new LayerOptions(), store, CancellationToken.None));
        Assert.Contains("points outside the image root", error.Message);
    }

    [Theory]
    [InlineData("app/link", "../lib/x")]
    [InlineData("lib64/ld.so", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")]
    [InlineData("a/b/link", "../../c")]
    public async Task Symlinks_that_stay_inside_are_accepted(string path, string target)
    {
        using var temp = new TempDirectory();
        var store = new BlobStore(temp.Combine("store"));
        var layer = await LayerBuilder.BuildAsync([LayerEntry.Symlink(path, target)], new LayerOptions(), store, CancellationToken.None);
        Assert.True(store.Contains(layer.Descriptor.Digest));
    }

    [Fact]
    public async Task Duplicate_entries_and_files_used_as_directories_are_refused()
    {
        using var temp = new TempDirectory();
        var store = new BlobStore(temp.Combine("store"));
        var duplicate = await Assert.ThrowsAsync<OciException>(() => LayerBuilder.BuildAsync(
            [LayerEntry.FromBytes("a", "1"u8.ToArray()), LayerEntry.FromBytes("a", "2"u8.ToArray())], new LayerOptions(), store, CancellationToken.None));
        Assert.Contains("more than once", duplicate.Message);
        var parent = await Assert.ThrowsAsync<OciException>(() => LayerBuilder.BuildAsync(
            [LayerEntry.FromBytes("a", "1"u8.ToArray()), LayerEntry.FromBytes("a/b", "2"u8.ToArray())], new LayerOptions(), store, CancellationToken.None));
        Assert.Contains("needs 'a' to be a directory", parent.Message);
    }

    [Fact]
    public async Task A_file_that_changes_size_while_the_layer_is_written_fails_and_leaves_no_blob()
    {
        using var temp = new TempDirectory();
        var store = new BlobStore(temp.Combine("store"));
        var source = temp.Combine("grows.bin");
        await File.WriteAllBytesAsync(source, new byte[1000]);
        var entry = LayerEntry.FromFile("app/grows.bin", source);
        await File.WriteAllBytesAsync(source, new byte[2000]);
        var error = await Assert.ThrowsAsync<OciException>(() => LayerBuilder.BuildAsync([entry], new LayerOptions(), store, CancellationToken.None));
        Assert.Contains("larger than its declared size", error.Message);

        await File.WriteAllBytesAsync(source, new byte[10]);
        error = await Assert.ThrowsAsync<OciException>(() => LayerBuilder.BuildAsync([entry], new LayerOptions(), store, CancellationToken.None));
        Assert.Contains("ended after 10 of its declared 1000 bytes", error.Message);
        Assert.Empty(Directory.GetFiles(store.BlobDirectory));
    }

    [Fact]
    public async Task Content_is_streamed_not_read_whole()
    {
        using var temp = new TempDirectory();
        var store = new BlobStore(temp.Combine("store"));
        const long size = 64L << 20;
        var reads = new List<int>();
        var entry = new LayerEntry
        {
            Path = "big.bin",
            Kind = LayerEntryKind.File,
            Mode = LayerEntry.DefaultFileMode,
            Size = size,
            Open = () => new RecordingZeroStream(size, reads),
        };
        var layer = await LayerBuilder.BuildAsync([entry], new LayerOptions { CompressionLevel = 1 }, store, CancellationToken.None);
        Assert.Equal(size + 512 + 1024, layer.UncompressedSize); // header + content + end-of-archive blocks
        Assert.True(reads.Max() <= 1 << 20, $"largest read was {reads.Max()} bytes");
    }

    private sealed class RecordingZeroStream(long length, List<int> reads) : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - _position);
            buffer[..n].Clear();
            _position += n;
            reads.Add(buffer.Length);
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
