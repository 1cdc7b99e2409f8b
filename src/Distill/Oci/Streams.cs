using System.Security.Cryptography;

namespace Distill.Oci;

/// <summary>Base for the small forwarding streams below: only the members a one-way stream needs.</summary>
internal abstract class OneWayStream : Stream
{
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Flush() { }
}

/// <summary>Base for read-only streams that pass an inner stream's bytes through, looking at them on the way.</summary>
internal abstract class ReadThroughStream(Stream inner, bool leaveOpen) : OneWayStream
{
    protected Stream Inner { get; } = inner;

    public override bool CanRead => true;
    public override bool CanWrite => false;

    public abstract override int Read(Span<byte> buffer);

    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    public sealed override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public sealed override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public sealed override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !leaveOpen) Inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>A write-only stream that hashes (sha256) and counts what passes through on its way to an inner stream.</summary>
internal sealed class HashingWriteStream(Stream inner, bool leaveOpen) : OneWayStream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private Digest? _final;

    public long BytesWritten { get; private set; }
    public override bool CanRead => false;
    public override bool CanWrite => true;

    /// <summary>The digest of everything written so far; still available after the stream is disposed.</summary>
    public Digest GetDigest() => _final ?? Digest.FromHash(_hash.GetCurrentHash());

    private void Finish()
    {
        if (_final is not null) return;
        _final = GetDigest();
        _hash.Dispose();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        BytesWritten += buffer.Length;
        inner.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _hash.AppendData(buffer.Span);
        BytesWritten += buffer.Length;
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Finish();
            if (!leaveOpen) inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        Finish();
        if (!leaveOpen) await inner.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// A read-only stream that hashes what is read and, at the end of the content, checks size and digest against what a
/// descriptor promised. It throws rather than return more bytes than promised, so a corrupt blob is never used silently.
/// </summary>
internal sealed class VerifyingReadStream(Stream inner, Digest expected, long expectedSize, string what)
    : ReadThroughStream(inner, leaveOpen: false)
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _read;
    private bool _verified;

    public override long Length => expectedSize;

    public override int Read(Span<byte> buffer)
    {
        var n = Inner.Read(Limit(buffer));
        return Account(buffer[..n], n, buffer.Length);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await Inner.ReadAsync(Limit(buffer), cancellationToken).ConfigureAwait(false);
        return Account(buffer.Span[..n], n, buffer.Length);
    }

    // Ask for one byte more than the rest, so a blob longer than promised is noticed.
    private Span<byte> Limit(Span<byte> buffer) => buffer[..(int)Math.Min(buffer.Length, expectedSize - _read + 1)];
    private Memory<byte> Limit(Memory<byte> buffer) => buffer[..(int)Math.Min(buffer.Length, expectedSize - _read + 1)];

    private int Account(ReadOnlySpan<byte> data, int n, int requested)
    {
        if (requested == 0) return 0;
        _read += n;
        if (_read > expectedSize) throw new OciException($"{what} is larger than its descriptor says ({expectedSize} bytes)");
        _hash.AppendData(data);
        // Verify as soon as the promised size is in, so a reader that stops at the end of the content (a decompressor,
        // a tar reader) still gets the check; a longer blob is caught by the one-byte probe of the next read.
        if (!_verified && (n == 0 || _read == expectedSize))
        {
            _verified = true;
            if (_read != expectedSize) throw new OciException($"{what} is truncated: {_read} of {expectedSize} bytes");
            var actual = Digest.FromHash(_hash.GetCurrentHash());
            if (actual != expected) throw new OciException($"{what} does not match its digest: expected {expected}, got {actual}");
        }
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _hash.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>A read-only window [offset, offset+length) of a seekable stream it owns (a tar member inside an archive).</summary>
internal sealed class WindowReadStream : Stream
{
    private readonly Stream _inner;
    private readonly long _start;
    private readonly long _length;
    private long _position;

    public WindowReadStream(Stream inner, long start, long length)
    {
        _inner = inner;
        _start = start;
        _length = length;
        _inner.Position = start;
    }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = _inner.Read(buffer[..(int)Math.Min(buffer.Length, _length - _position)]);
        _position += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await _inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _length - _position)], cancellationToken).ConfigureAwait(false);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _length + offset,
        };
        if (target < 0 || target > _length) throw new IOException("seek outside the member");
        _inner.Position = _start + target;
        _position = target;
        return target;
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// Presents content of a declared size to TarWriter, which needs a length before it copies. Reads exactly that many
/// bytes and throws if the source is shorter or longer (a file that changed after it was listed).
/// </summary>
internal sealed class ExactLengthReadStream(Stream inner, long length, string what) : Stream
{
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => true; // TarWriter asks for Length and Position only; it never seeks.
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position == length)
        {
            Span<byte> probe = stackalloc byte[1];
            if (inner.Read(probe) != 0) throw new OciException($"{what} is larger than its declared size of {length} bytes (was it changed while the layer was written?)");
            return 0;
        }
        var n = inner.Read(buffer[..(int)Math.Min(buffer.Length, length - _position)]);
        if (n == 0 && buffer.Length > 0) throw new OciException($"{what} ended after {_position} of its declared {length} bytes (was it changed while the layer was written?)");
        _position += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position == length)
        {
            var probe = new byte[1];
            if (await inner.ReadAsync(probe, cancellationToken).ConfigureAwait(false) != 0)
                throw new OciException($"{what} is larger than its declared size of {length} bytes (was it changed while the layer was written?)");
            return 0;
        }
        var n = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, length - _position)], cancellationToken).ConfigureAwait(false);
        if (n == 0 && buffer.Length > 0) throw new OciException($"{what} ended after {_position} of its declared {length} bytes (was it changed while the layer was written?)");
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>A read-only stream that counts bytes and lets a callback object to the running total (limits, progress).</summary>
internal sealed class CountingReadStream(Stream inner, Action<long>? onRead, bool leaveOpen) : ReadThroughStream(inner, leaveOpen)
{
    public long BytesRead { get; private set; }

    public override int Read(Span<byte> buffer) => Count(Inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    private int Count(int n)
    {
        BytesRead += n;
        onRead?.Invoke(BytesRead);
        return n;
    }
}
