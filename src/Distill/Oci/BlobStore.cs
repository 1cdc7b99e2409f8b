namespace Distill.Oci;

/// <summary>
/// A content-addressed directory of blobs laid out as &lt;root&gt;/blobs/sha256/&lt;hex&gt; (the shape of an OCI image
/// layout, so a store can be read like one). A blob is written to a temporary file in the same directory, hashed while
/// it streams and renamed into place: a blob path never holds partial or unverified content. Writing a blob that is
/// already present keeps the existing file. Safe for concurrent writers; no state outside the directory.
/// </summary>
public sealed class BlobStore
{
    private const string TempPrefix = ".tmp-";

    public BlobStore(string root)
    {
        Root = Path.GetFullPath(root);
        BlobDirectory = Path.Combine(Root, "blobs", Digest.Sha256Algorithm);
        Directory.CreateDirectory(BlobDirectory);
    }

    /// <summary>The store's root directory.</summary>
    public string Root { get; }

    /// <summary>The directory holding the blob files (&lt;root&gt;/blobs/sha256).</summary>
    public string BlobDirectory { get; }

    public string GetPath(Digest digest) => Path.Combine(BlobDirectory, digest.Hex);

    public bool Contains(Digest digest) => File.Exists(GetPath(digest));

    /// <summary>Size of a stored blob, or null if it is absent.</summary>
    public long? GetSize(Digest digest)
    {
        var info = new FileInfo(GetPath(digest));
        return info.Exists ? info.Length : null;
    }

    /// <summary>Opens a stored blob as is (no verification); throws <see cref="OciException"/> if it is absent.</summary>
    public Stream Open(Digest digest)
    {
        try
        {
            return new FileStream(GetPath(digest), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new OciException($"blob {digest} is missing from {Root}", e);
        }
    }

    /// <summary>Opens a stored blob that checks its size and digest against the descriptor while it is read.</summary>
    public Stream OpenVerified(Descriptor descriptor) =>
        new VerifyingReadStream(Open(descriptor.Digest), descriptor.Digest, descriptor.Size, $"blob {descriptor.Digest}");

    /// <summary>Stores bytes held in memory (a manifest or config) and returns their descriptor.</summary>
    public async Task<Descriptor> WriteAsync(ReadOnlyMemory<byte> content, string mediaType, CancellationToken cancellationToken)
    {
        var digest = Digest.Compute(content.Span);
        if (!Contains(digest))
        {
            await using var writer = CreateWriter();
            await writer.WriteAsync(content, cancellationToken).ConfigureAwait(false);
            await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        return new Descriptor { MediaType = mediaType, Digest = digest, Size = content.Length };
    }

    /// <summary>
    /// Streams content into the store. When <paramref name="expected"/> is given, the content must match its digest and
    /// size or nothing is stored and an <see cref="OciException"/> names the difference.
    /// </summary>
    public async Task<Descriptor> WriteAsync(Stream content, string mediaType, Descriptor? expected, CancellationToken cancellationToken)
    {
        await using var writer = CreateWriter();
        await content.CopyToAsync(writer, 1 << 16, cancellationToken).ConfigureAwait(false);
        if (expected is not null)
        {
            var (digest, size) = writer.Peek();
            if (size != expected.Size) throw new OciException($"blob {expected.Digest} has {size} bytes, its descriptor says {expected.Size}");
            if (digest != expected.Digest) throw new OciException($"blob content does not match its digest: expected {expected.Digest}, got {digest}");
        }
        var (finalDigest, finalSize) = await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new Descriptor { MediaType = mediaType, Digest = finalDigest, Size = finalSize };
    }

    /// <summary>
    /// A stream that writes a new blob. Call <see cref="BlobWriter.CommitAsync"/> to move it into place under its
    /// digest; disposing without committing deletes the temporary file.
    /// </summary>
    public BlobWriter CreateWriter()
    {
        var tempPath = Path.Combine(BlobDirectory, TempPrefix + Guid.NewGuid().ToString("N"));
        return new BlobWriter(this, tempPath);
    }

    internal void Place(string tempPath, Digest digest)
    {
        var target = GetPath(digest);
        if (File.Exists(target))
        {
            File.Delete(tempPath);
            return;
        }
        File.Move(tempPath, target, overwrite: true);
    }
}

/// <summary>A blob being written: a write-only stream hashed as it goes, committed under its digest at the end.</summary>
public sealed class BlobWriter : Stream
{
    private readonly BlobStore _store;
    private readonly string _tempPath;
    private readonly FileStream _file;
    private readonly HashingWriteStream _hashing;
    private bool _committed;

    internal BlobWriter(BlobStore store, string tempPath)
    {
        _store = store;
        _tempPath = tempPath;
        _file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        _hashing = new HashingWriteStream(_file, leaveOpen: true);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _hashing.BytesWritten;
    public override long Position { get => _hashing.BytesWritten; set => throw new NotSupportedException(); }

    internal (Digest Digest, long Size) Peek() => (_hashing.GetDigest(), _hashing.BytesWritten);

    /// <summary>Flushes to disk and renames the file into the store; returns the blob's digest and size.</summary>
    public async Task<(Digest Digest, long Size)> CommitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        var result = Peek();
        await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
        _store.Place(_tempPath, result.Digest);
        _committed = true;
        return result;
    }

    public override void Write(byte[] buffer, int offset, int count) => _hashing.Write(buffer, offset, count);
    public override void Write(ReadOnlySpan<byte> buffer) => _hashing.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _hashing.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _hashing.WriteAsync(buffer, cancellationToken);

    public override void Flush() => _file.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => _file.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) Abandon();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        Abandon();
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    private void Abandon()
    {
        _hashing.Dispose();
        if (_committed) return;
        _file.Dispose();
        try { File.Delete(_tempPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
