using System.Formats.Tar;
using System.IO.Compression;
using Distill.Oci;
using Distill.Tests.Support;

namespace Distill.Tests.Oci;

public class LayerReaderTests
{
    [Theory]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    [InlineData(LayerCompression.None)]
    public async Task Reads_back_the_entries_we_wrote(LayerCompression compression)
    {
        using var temp = new TempDirectory();
        var store = new BlobStore(temp.Combine("store"));
        var layer = await LayerBuilder.BuildAsync(TestImages.AppEntries(), new LayerOptions { Compression = compression }, store, CancellationToken.None);

        await using var reader = LayerReader.Open(store.OpenVerified(layer.Descriptor));
        Assert.Equal(compression, reader.Compression);
        var entries = new Dictionary<string, (LayerReaderEntry Entry, string? Content)>();
        while (await reader.GetNextEntryAsync(CancellationToken.None) is { } entry)
            entries[entry.Path] = (entry, entry.DataStream is null ? null : await new StreamReader(entry.DataStream).ReadToEndAsync());

        Assert.Equal(["app", "app/busybox-link", "app/current", "app/data", "app/data/private.key", "app/greeting.txt", "app/run.sh"], entries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(LayerEntryKind.Directory, entries["app"].Entry.Kind);
        Assert.Equal(LayerEntryKind.Symlink, entries["app/current"].Entry.Kind);
        Assert.Equal("greeting.txt", entries["app/current"].Entry.LinkTarget);
        Assert.Equal("hello from distill\n", entries["app/greeting.txt"].Content);
        Assert.Equal((UnixFileMode)0b110_000_000, entries["app/data/private.key"].Entry.Mode);
        Assert.Equal(7, entries["app/data/private.key"].Entry.Size);
    }

    [Theory]
    [InlineData("../escape.txt", "contains '..'")]
    [InlineData("app/../../escape.txt", "contains '..'")]
    [InlineData("/etc/passwd", "is an absolute path")]
    public async Task Entries_that_would_leave_the_root_are_refused(string name, string message)
    {
        var layer = await MakeLayerAsync(w => w.WriteEntryAsync(new GnuTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream("x"u8.ToArray()) }));
        var error = await Assert.ThrowsAsync<OciException>(() => ReadAllAsync(layer));
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("app/link", "../../etc/shadow")]
    [InlineData("link", "..")]
    public async Task Symlinks_that_escape_the_root_are_refused(string name, string target)
    {
        var layer = await MakeLayerAsync(w => w.WriteEntryAsync(new GnuTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target }));
        var error = await Assert.ThrowsAsync<OciException>(() => ReadAllAsync(layer));
        Assert.Contains($"is a symlink to '{target}', which points outside the image root", error.Message);
    }

    [Fact]
    public async Task Hard_links_out_of_the_root_are_refused()
    {
        var layer = await MakeLayerAsync(w => w.WriteEntryAsync(new GnuTarEntry(TarEntryType.HardLink, "app/hard") { LinkName = "../../etc/passwd" }));
        var error = await Assert.ThrowsAsync<OciException>(() => ReadAllAsync(layer));
        Assert.Contains("hard link target of 'app/hard'", error.Message);
    }

    [Fact]
    public async Task A_small_layer_that_expands_too_far_is_refused()
    {
        // 64 MiB of zeros gzip to about 64 KiB: a ratio near 1000, far past the default limit of 200.
        var bomb = await MakeLayerAsync(w => w.WriteEntryAsync(new GnuTarEntry(TarEntryType.RegularFile, "zeros") { DataStream = new ZeroStream(64L << 20) }));
        Assert.True(bomb.Length < 200_000, $"bomb is {bomb.Length} bytes");
        var ratio = await Assert.ThrowsAsync<OciException>(() => ReadAllAsync(bomb));
        Assert.Contains("times its compressed size", ratio.Message);

        var total = await Assert.ThrowsAsync<OciException>(() => ReadAllAsync(bomb, new LayerReaderOptions { MaxExpandedBytes = 10 << 20, MaxExpansionRatio = 1e9 }));
        Assert.Contains("expands past the limit of 10485760 bytes", total.Message);

        // The same layer passes with limits that allow it, so the refusals above are the limits at work.
        Assert.Equal(1, await ReadAllAsync(bomb, new LayerReaderOptions { MaxExpansionRatio = 5000 }));
    }

    [Fact]
    public async Task A_truncated_gzip_layer_is_reported_as_corrupt_or_truncated()
    {
        using var temp = new TempDirectory();
        var store = new BlobStore(temp.Combine("store"));
        var layer = await LayerBuilder.BuildAsync(TestImages.SystemEntries(), new LayerOptions(), store, CancellationToken.None);
        var bytes = await File.ReadAllBytesAsync(store.GetPath(layer.Descriptor.Digest));
        var error = await Assert.ThrowsAsync<OciException>(() => ReadAllAsync(bytes[..(bytes.Length / 2)]));
        Assert.Contains("layer is corrupt or truncated", error.Message);
    }

    [Fact]
    public async Task A_layer_blob_with_the_wrong_digest_fails_while_it_is_read()
    {
        using var temp = new TempDirectory();
        var store = new BlobStore(temp.Combine("store"));
        var layer = await LayerBuilder.BuildAsync(TestImages.AppEntries(), new LayerOptions { Compression = LayerCompression.None }, store, CancellationToken.None);
        // Change file content inside the (uncompressed) tar without changing its size or structure.
        var path = store.GetPath(layer.Descriptor.Digest);
        var bytes = await File.ReadAllBytesAsync(path);
        var at = bytes.AsSpan().IndexOf("hello from distill"u8);
        bytes[at] = (byte)'j';
        await File.WriteAllBytesAsync(path, bytes);

        var error = await Assert.ThrowsAsync<OciException>(async () =>
        {
            await using var reader = LayerReader.Open(store.OpenVerified(layer.Descriptor));
            while (await reader.GetNextEntryAsync(CancellationToken.None) is { } entry)
                if (entry.DataStream is { } data) await data.CopyToAsync(Stream.Null);
        });
        Assert.Contains($"does not match its digest: expected {layer.Descriptor.Digest}", error.Message);
    }

    private static async Task<byte[]> MakeLayerAsync(Func<TarWriter, Task> write)
    {
        var output = new MemoryStream();
        await using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        await using (var tar = new TarWriter(gzip, TarEntryFormat.Gnu, leaveOpen: true))
            await write(tar);
        return output.ToArray();
    }

    private static async Task<int> ReadAllAsync(byte[] layer, LayerReaderOptions? options = null)
    {
        var count = 0;
        await using var reader = LayerReader.Open(new MemoryStream(layer), options);
        while (await reader.GetNextEntryAsync(CancellationToken.None) is { } entry)
        {
            count++;
            if (entry.DataStream is { } data) await data.CopyToAsync(Stream.Null);
        }
        return count;
    }

    private sealed class ZeroStream(long length) : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => _position = value; }
        public override void Flush() { }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            Array.Clear(buffer, offset, n);
            _position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => _position = origin == SeekOrigin.Begin ? offset : _position + offset;
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
