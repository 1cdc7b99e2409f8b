using System.IO.Compression;

namespace Distill.Oci;

/// <summary>Recognizes gzip and zstd by their magic bytes and opens the matching decompressor.</summary>
internal static class CompressionDetector
{
    private static ReadOnlySpan<byte> GzipMagic => [0x1f, 0x8b];
    private static ReadOnlySpan<byte> ZstdMagic => [0x28, 0xb5, 0x2f, 0xfd];

    /// <summary>Reads the first bytes to decide the compression; returns a stream that still yields them.</summary>
    public static (LayerCompression Compression, Stream Stream) Detect(Stream source)
    {
        var head = new byte[4];
        var filled = 0;
        while (filled < head.Length)
        {
            var n = source.Read(head, filled, head.Length - filled);
            if (n == 0) break;
            filled += n;
        }
        var prefix = head.AsSpan(0, filled);
        var compression = prefix.StartsWith(GzipMagic) ? LayerCompression.Gzip
            : prefix.StartsWith(ZstdMagic) ? LayerCompression.Zstd
            : LayerCompression.None;
        return (compression, new PrefixedReadStream(head[..filled], source));
    }

    public static Stream OpenDecompressor(Stream compressed, LayerCompression compression, bool leaveOpen) => compression switch
    {
        LayerCompression.Gzip => new GZipStream(compressed, CompressionMode.Decompress, leaveOpen),
        LayerCompression.Zstd => new ZstdSharp.DecompressionStream(compressed, leaveOpen: leaveOpen),
        _ => leaveOpen ? new CountingReadStream(compressed, null, leaveOpen: true) : compressed,
    };

    /// <summary>True for the exceptions decompressors and tar readers throw on corrupt or truncated input.</summary>
    public static bool IsCorruptData(Exception e) =>
        e is InvalidDataException or EndOfStreamException or FormatException or ZstdSharp.ZstdException;

    private sealed class PrefixedReadStream(byte[] prefix, Stream inner) : ReadThroughStream(inner, leaveOpen: false)
    {
        private int _prefixUsed;

        public override int Read(Span<byte> buffer)
        {
            if (_prefixUsed < prefix.Length)
            {
                var n = Math.Min(buffer.Length, prefix.Length - _prefixUsed);
                prefix.AsSpan(_prefixUsed, n).CopyTo(buffer);
                _prefixUsed += n;
                return n;
            }
            return Inner.Read(buffer);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _prefixUsed < prefix.Length ? ValueTask.FromResult(Read(buffer.Span)) : Inner.ReadAsync(buffer, cancellationToken);
    }
}
