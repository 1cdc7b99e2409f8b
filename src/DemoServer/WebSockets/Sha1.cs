using System.Buffers.Binary;

namespace Distill.DemoServer.WebSockets;

/// <summary>
/// SHA-1 (FIPS 180-4), used only for the WebSocket handshake's Sec-WebSocket-Accept value. .NET's own SHA1 calls
/// OpenSSL on Linux, which would make the binary need libssl at run time; this keeps it on libc alone.
/// Not for security: the handshake uses SHA-1 as a checksum, not as a secret.
/// </summary>
internal static class Sha1
{
    public static byte[] Hash(ReadOnlySpan<byte> data)
    {
        uint h0 = 0x67452301, h1 = 0xEFCDAB89, h2 = 0x98BADCFE, h3 = 0x10325476, h4 = 0xC3D2E1F0;
        long bitLength = (long)data.Length * 8;
        int paddedLength = (data.Length + 9 + 63) / 64 * 64;
        byte[] message = new byte[paddedLength];
        data.CopyTo(message);
        message[data.Length] = 0x80;
        BinaryPrimitives.WriteInt64BigEndian(message.AsSpan(paddedLength - 8), bitLength);

        Span<uint> w = stackalloc uint[80];
        for (int chunk = 0; chunk < paddedLength; chunk += 64)
        {
            for (int i = 0; i < 16; i++) w[i] = BinaryPrimitives.ReadUInt32BigEndian(message.AsSpan(chunk + i * 4));
            for (int i = 16; i < 80; i++) w[i] = uint.RotateLeft(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
            uint a = h0, b = h1, c = h2, d = h3, e = h4;
            for (int i = 0; i < 80; i++)
            {
                (uint f, uint k) = i switch
                {
                    < 20 => ((b & c) | (~b & d), 0x5A827999u),
                    < 40 => (b ^ c ^ d, 0x6ED9EBA1u),
                    < 60 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDCu),
                    _ => (b ^ c ^ d, 0xCA62C1D6u),
                };
                uint temp = uint.RotateLeft(a, 5) + f + e + k + w[i];
                e = d; d = c; c = uint.RotateLeft(b, 30); b = a; a = temp;
            }
            h0 += a; h1 += b; h2 += c; h3 += d; h4 += e;
        }
        byte[] digest = new byte[20];
        BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(0), h0);
        BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(4), h1);
        BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(8), h2);
        BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(12), h3);
        BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(16), h4);
        return digest;
    }
}
