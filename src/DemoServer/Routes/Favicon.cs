namespace Distill.DemoServer.Routes;

/// <summary>A 16x16 icon drawn in code (a white "D" on orange), so the binary carries no asset file.</summary>
internal static class Favicon
{
    private static readonly string[] Glyph =
    [
        "................",
        "................",
        "...XXXXXXX......",
        "...XXXXXXXXX....",
        "...XX.....XXX...",
        "...XX......XX...",
        "...XX......XXX..",
        "...XX.......XX..",
        "...XX.......XX..",
        "...XX......XXX..",
        "...XX......XX...",
        "...XX.....XXX...",
        "...XXXXXXXXX....",
        "...XXXXXXX......",
        "................",
        "................",
    ];

    // Declared after Glyph: static initializers run in text order.
    public static readonly byte[] Bytes = Draw();

    private static byte[] Draw()
    {
        const int size = 16, pixelBytes = size * size * 4, maskBytes = size * 4, imageBytes = 40 + pixelBytes + maskBytes;
        var icon = new byte[6 + 16 + imageBytes];
        var w = new BinaryWriter(new MemoryStream(icon));
        // ICONDIR and one ICONDIRENTRY
        w.Write((ushort)0); w.Write((ushort)1); w.Write((ushort)1);
        w.Write((byte)size); w.Write((byte)size); w.Write((byte)0); w.Write((byte)0);
        w.Write((ushort)1); w.Write((ushort)32); w.Write(imageBytes); w.Write(6 + 16);
        // BITMAPINFOHEADER; the height counts the colour rows and the mask rows
        w.Write(40); w.Write(size); w.Write(size * 2); w.Write((ushort)1); w.Write((ushort)32);
        w.Write(0); w.Write(pixelBytes + maskBytes); w.Write(0); w.Write(0); w.Write(0); w.Write(0);
        for (int row = size - 1; row >= 0; row--) // bottom-up rows, BGRA
        {
            for (int col = 0; col < size; col++)
            {
                bool ink = Glyph[row][col] == 'X';
                w.Write(ink ? (byte)0xFF : (byte)0x00);
                w.Write(ink ? (byte)0xFF : (byte)0x8C);
                w.Write((byte)0xFF);
                w.Write((byte)0xFF);
            }
        }
        // the AND mask stays zero: every pixel is opaque
        return icon;
    }
}
