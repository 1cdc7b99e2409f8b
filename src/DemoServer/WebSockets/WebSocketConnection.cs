using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace Distill.DemoServer.WebSockets;

public enum MessageKind { Text = 1, Binary = 2 }

public sealed record WebSocketMessage(MessageKind Kind, byte[] Payload)
{
    public string Text => Encoding.UTF8.GetString(Payload);
}

/// <summary>
/// The server end of an RFC 6455 connection over an upgraded stream: reads masked client frames (fragments,
/// ping, pong, close), writes unmasked frames. Written here instead of using System.Net.WebSockets because the
/// framework's implementation links the OpenSSL random generator (for client masks) into a Native AOT binary.
/// Sends are serialized, so several tasks may send on one connection (the chatroom does).
/// </summary>
public sealed class WebSocketConnection : IAsyncDisposable
{
    public const ushort NormalClosure = 1000, GoingAway = 1001, ProtocolError = 1002, InvalidPayload = 1007, MessageTooBig = 1009;

    private const byte OpContinuation = 0x0, OpText = 0x1, OpBinary = 0x2, OpClose = 0x8, OpPing = 0x9, OpPong = 0xA;

    private readonly Stream _stream;
    private readonly int _maxMessageBytes;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly byte[] _header = new byte[14];
    private int _closeSent;

    public WebSocketConnection(Stream stream, int maxMessageBytes)
    {
        _stream = stream;
        _maxMessageBytes = maxMessageBytes;
    }

    /// <summary>The close code the conversation ended with (sent or received), or null while open.</summary>
    public ushort? CloseCode { get; private set; }

    public bool IsOpen => Volatile.Read(ref _closeSent) == 0 && CloseCode is null;

    /// <summary>
    /// The next complete message, or null once the connection is closed (by the client's close frame, by a protocol
    /// error that this end answered with a close frame, or by the stream ending).
    /// </summary>
    public async Task<WebSocketMessage?> ReceiveAsync(CancellationToken cancellationToken)
    {
        MessageKind? kind = null;
        var message = new ArrayBufferWriter<byte>();
        while (true)
        {
            if (!await ReadExactlyOrEndAsync(_header.AsMemory(0, 2), cancellationToken)) return Ended();
            bool fin = (_header[0] & 0x80) != 0;
            int opcode = _header[0] & 0x0F;
            bool masked = (_header[1] & 0x80) != 0;
            long length = _header[1] & 0x7F;
            if ((_header[0] & 0x70) != 0) return await FailAsync(ProtocolError, "reserved bits set", cancellationToken);
            if (!masked) return await FailAsync(ProtocolError, "client frames must be masked", cancellationToken);
            if (length == 126)
            {
                if (!await ReadExactlyOrEndAsync(_header.AsMemory(0, 2), cancellationToken)) return Ended();
                length = BinaryPrimitives.ReadUInt16BigEndian(_header);
            }
            else if (length == 127)
            {
                if (!await ReadExactlyOrEndAsync(_header.AsMemory(0, 8), cancellationToken)) return Ended();
                length = BinaryPrimitives.ReadInt64BigEndian(_header);
                if (length < 0) return await FailAsync(ProtocolError, "frame length out of range", cancellationToken);
            }
            byte[] mask = new byte[4];
            if (!await ReadExactlyOrEndAsync(mask, cancellationToken)) return Ended();

            if (opcode >= OpClose)
            {
                if (!fin || length > 125) return await FailAsync(ProtocolError, "bad control frame", cancellationToken);
                byte[] payload = new byte[length];
                if (!await ReadExactlyOrEndAsync(payload, cancellationToken)) return Ended();
                Unmask(payload, mask);
                switch (opcode)
                {
                    case OpClose:
                        ushort code = payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : NormalClosure;
                        CloseCode = code;
                        await SendCloseAsync(code, "", cancellationToken);
                        return null;
                    case OpPing:
                        await SendFrameAsync(OpPong, payload, cancellationToken);
                        continue;
                    case OpPong:
                        continue;
                    default:
                        return await FailAsync(ProtocolError, "unknown control opcode", cancellationToken);
                }
            }

            if (opcode == OpContinuation)
            {
                if (kind is null) return await FailAsync(ProtocolError, "continuation without a message", cancellationToken);
            }
            else if (opcode is OpText or OpBinary)
            {
                if (kind is not null) return await FailAsync(ProtocolError, "new message inside a fragmented one", cancellationToken);
                kind = (MessageKind)opcode;
            }
            else
            {
                return await FailAsync(ProtocolError, "unknown data opcode", cancellationToken);
            }
            if (message.WrittenCount + length > _maxMessageBytes)
                return await FailAsync(MessageTooBig, "message too big", cancellationToken);

            var target = message.GetMemory((int)Math.Max(1, length))[..(int)length];
            if (!await ReadExactlyOrEndAsync(target, cancellationToken)) return Ended();
            Unmask(target.Span, mask);
            message.Advance((int)length);
            if (!fin) continue;

            byte[] bytes = message.WrittenSpan.ToArray();
            if (kind == MessageKind.Text && !Utf8.IsValid(bytes))
                return await FailAsync(InvalidPayload, "text message is not UTF-8", cancellationToken);
            return new WebSocketMessage(kind!.Value, bytes);
        }
    }

    public Task SendAsync(MessageKind kind, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        SendFrameAsync(kind == MessageKind.Text ? OpText : OpBinary, payload, cancellationToken);

    public Task SendTextAsync(string text, CancellationToken cancellationToken) =>
        SendAsync(MessageKind.Text, Encoding.UTF8.GetBytes(text), cancellationToken);

    /// <summary>Sends a close frame (once); the caller then stops using the connection.</summary>
    public async Task SendCloseAsync(ushort code, string reason, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _closeSent, 1) == 1) return;
        CloseCode ??= code;
        byte[] reasonBytes = Encoding.UTF8.GetBytes(reason);
        byte[] payload = new byte[2 + Math.Min(reasonBytes.Length, 123)];
        BinaryPrimitives.WriteUInt16BigEndian(payload, code);
        reasonBytes.AsSpan(0, payload.Length - 2).CopyTo(payload.AsSpan(2));
        await WriteFrameAsync(OpClose, payload, cancellationToken);
    }

    private async Task SendFrameAsync(byte opcode, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _closeSent) == 1) throw new IOException("the WebSocket is closed");
        await WriteFrameAsync(opcode, payload, cancellationToken);
    }

    private async Task WriteFrameAsync(byte opcode, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        int headerLength = payload.Length switch { < 126 => 2, <= ushort.MaxValue => 4, _ => 10 };
        byte[] frame = ArrayPool<byte>.Shared.Rent(headerLength + payload.Length);
        try
        {
            frame[0] = (byte)(0x80 | opcode);
            if (headerLength == 2) frame[1] = (byte)payload.Length;
            else if (headerLength == 4) { frame[1] = 126; BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length); }
            else { frame[1] = 127; BinaryPrimitives.WriteInt64BigEndian(frame.AsSpan(2), payload.Length); }
            payload.Span.CopyTo(frame.AsSpan(headerLength));
            await _sendLock.WaitAsync(cancellationToken);
            try
            {
                await _stream.WriteAsync(frame.AsMemory(0, headerLength + payload.Length), cancellationToken);
                await _stream.FlushAsync(cancellationToken);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    private async Task<WebSocketMessage?> FailAsync(ushort code, string reason, CancellationToken cancellationToken)
    {
        try
        {
            await SendCloseAsync(code, reason, cancellationToken);
        }
        catch (IOException) { }
        return null;
    }

    private WebSocketMessage? Ended()
    {
        CloseCode ??= GoingAway;
        return null;
    }

    private async Task<bool> ReadExactlyOrEndAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = await _stream.ReadAsync(buffer[total..], cancellationToken);
            if (read == 0) return false;
            total += read;
        }
        return true;
    }

    private static void Unmask(Span<byte> payload, ReadOnlySpan<byte> mask)
    {
        for (int i = 0; i < payload.Length; i++) payload[i] ^= mask[i & 3];
    }

    public async ValueTask DisposeAsync()
    {
        _sendLock.Dispose();
        await _stream.DisposeAsync();
    }
}
