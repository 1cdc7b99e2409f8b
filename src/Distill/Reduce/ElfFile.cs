using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Distill.Reduce;

/// <summary>What the dynamic loader reads from an ELF file: its identity and its dynamic-linking entries.</summary>
/// <remarks>
/// Our own reader rather than ELFSharp 2.17.3: ELFSharp's loader builds every section eagerly, which reads whole
/// string tables (.strtab, .dynstr) into byte arrays and decodes every symbol of .symtab/.dynsym into objects with
/// their names; for an unstripped AOT binary or libcoreclr.so that is megabytes read and tens of thousands of
/// strings allocated to learn a handful of names. It also finds the dynamic section through the section headers,
/// which a loader never uses (and which stripped or packed files may lack), and exposes PT_INTERP and DT_NEEDED only
/// as raw segment bytes and string-table offsets. This reader does what ld.so does: the ELF header, the program
/// headers, PT_INTERP, PT_DYNAMIC, and only the dynamic string-table bytes that the entries point at, found through
/// the PT_LOAD mapping of DT_STRTAB. A few kilobytes per file, read with positioned reads, no whole-file reads.
/// </remarks>
public sealed record ElfFile
{
    public const ushort TypeExecutable = 2;
    public const ushort TypeShared = 3;

    /// <summary>1 = 32-bit, 2 = 64-bit (EI_CLASS).</summary>
    public required byte Class { get; init; }

    /// <summary>1 = little endian, 2 = big endian (EI_DATA).</summary>
    public required byte Data { get; init; }

    /// <summary>e_machine, e.g. 62 for x86-64, 183 for AArch64.</summary>
    public required ushort Machine { get; init; }

    /// <summary>e_type: 2 executable, 3 shared object (also PIE executables), 1 relocatable, 4 core.</summary>
    public required ushort Type { get; init; }

    /// <summary>The program interpreter (PT_INTERP), e.g. /lib64/ld-linux-x86-64.so.2; null for libraries and static programs.</summary>
    public string? Interpreter { get; init; }

    public IReadOnlyList<string> Needed { get; init; } = [];

    public string? Soname { get; init; }

    public string? Rpath { get; init; }

    public string? Runpath { get; init; }

    /// <summary>DT_FLAGS_1 has DF_1_NODEFLIB: the loader's cache and default directories are not searched for its needs.</summary>
    public bool NoDefaultLibraries { get; init; }

    /// <summary>Has a dynamic section: loaded by ld.so (an executable with PT_INTERP or a shared library).</summary>
    public bool IsDynamic { get; init; }

    /// <summary>Something a process runs: an executable, or a position-independent one with an interpreter.</summary>
    public bool IsProgram => Type == TypeExecutable || (Type == TypeShared && Interpreter is not null);

    /// <summary>Whether the loader accepts this file in a process of <paramref name="program"/>'s kind.</summary>
    public bool IsCompatibleWith(ElfFile program) =>
        Class == program.Class && Data == program.Data && Machine == program.Machine;

    /// <summary>The machine in words, for messages: "x86-64", "AArch64" ...</summary>
    public string MachineName => Machine switch
    {
        3 => "i386",
        40 => "ARM",
        62 => "x86-64",
        183 => "AArch64",
        243 => "RISC-V",
        21 => "PowerPC64",
        22 => "s390",
        258 => "LoongArch",
        _ => $"machine {Machine}",
    } + (Class == 1 ? " (32-bit)" : "");

    /// <summary>The OCI/Go architecture name (amd64, arm64 ...), or null when there is none.</summary>
    public string? OciArchitecture => (Machine, Class, Data) switch
    {
        (62, 2, _) => "amd64",
        (183, 2, _) => "arm64",
        (3, 1, _) => "386",
        (40, 1, _) => "arm",
        (243, 2, _) => "riscv64",
        (21, 2, 1) => "ppc64le",
        (21, 2, 2) => "ppc64",
        (22, 2, _) => "s390x",
        (258, 2, _) => "loong64",
        _ => null,
    };

    /// <summary>The Debian multiarch triplet of the machine, used for the default search path and $LIB.</summary>
    public string? MultiarchTriplet => (Machine, Class, Data) switch
    {
        (62, 2, _) => "x86_64-linux-gnu",
        (183, 2, _) => "aarch64-linux-gnu",
        (3, 1, _) => "i386-linux-gnu",
        (40, 1, _) => "arm-linux-gnueabihf",
        (243, 2, _) => "riscv64-linux-gnu",
        (21, 2, 1) => "powerpc64le-linux-gnu",
        (22, 2, _) => "s390x-linux-gnu",
        (258, 2, _) => "loongarch64-linux-gnu",
        _ => null,
    };

    /// <summary>The value of $PLATFORM (AT_PLATFORM) for this machine.</summary>
    public string PlatformName => (Machine, Class) switch
    {
        (62, 2) => "x86_64",
        (183, 2) => "aarch64",
        (3, 1) => "i686",
        (40, 1) => "v7l",
        (243, 2) => "riscv64",
        (21, 2) => "ppc64le",
        (22, 2) => "s390x",
        _ => "unknown",
    };

    /// <summary>Reads the ELF facts of a file, or returns null when it is not an ELF file at all.</summary>
    /// <exception cref="ReduceException">The file starts like ELF but its headers are damaged.</exception>
    public static ElfFile? TryRead(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            return new Reader(handle, RandomAccess.GetLength(handle)).Read();
        }
        catch (MalformedElfException e)
        {
            throw new ReduceException($"{path}: damaged ELF file ({e.Message})");
        }
    }

    private sealed class MalformedElfException(string message) : Exception(message);

    /// <summary>Positioned reads over one open file; holds no more than the dynamic section in memory.</summary>
    private sealed class Reader(SafeFileHandle handle, long length)
    {
        private const uint PtLoad = 1, PtDynamic = 2, PtInterp = 3;
        private const long DtNull = 0, DtNeeded = 1, DtStrtab = 5, DtStrsz = 10, DtSoname = 14, DtRpath = 15,
            DtRunpath = 29, DtFlags1 = 0x6ffffffb;
        private const ulong Df1NoDefLib = 0x800;
        private const int MaxHeaderTableBytes = 1 << 20;

        private bool is64;
        private bool littleEndian;

        public ElfFile? Read()
        {
            Span<byte> ident = stackalloc byte[64];
            if (length < 52 || ReadAt(0, ident[..Math.Min(64, (int)Math.Min(length, 64))]) < 52)
            {
                return null;
            }
            if (ident[0] != 0x7f || ident[1] != (byte)'E' || ident[2] != (byte)'L' || ident[3] != (byte)'F')
            {
                return null;
            }
            byte elfClass = ident[4], data = ident[5];
            if (elfClass is not (1 or 2) || data is not (1 or 2))
            {
                throw new MalformedElfException($"unknown class {elfClass} or byte order {data}");
            }
            is64 = elfClass == 2;
            littleEndian = data == 1;
            if (is64 && length < 64)
            {
                throw new MalformedElfException("truncated header");
            }
            ushort type = U16(ident[16..]);
            ushort machine = U16(ident[18..]);
            long phoff = is64 ? Offset(U64(ident[32..])) : U32(ident[28..]);
            long shoff = is64 ? Offset(U64(ident[40..])) : U32(ident[32..]);
            int phentsize = U16(ident[(is64 ? 54 : 42)..]);
            int phnum = U16(ident[(is64 ? 56 : 44)..]);
            int shentsize = U16(ident[(is64 ? 58 : 46)..]);
            if (phnum == 0xffff)
            {
                phnum = ExtendedProgramHeaderCount(shoff, shentsize);
            }

            var elf = new ElfFile { Class = elfClass, Data = data, Machine = machine, Type = type };
            if (phnum == 0 || phoff == 0)
            {
                return elf; // relocatable object or core-less oddity: nothing for a loader
            }
            int minimumEntry = is64 ? 56 : 32;
            if (phentsize < minimumEntry || (long)phentsize * phnum > MaxHeaderTableBytes)
            {
                throw new MalformedElfException("bad program header table");
            }

            var table = new byte[phentsize * phnum];
            ReadExactly(phoff, table);
            var loads = new List<(ulong VirtualAddress, ulong FileSize, long Offset)>();
            long interpOffset = -1, interpSize = 0, dynamicOffset = -1, dynamicSize = 0;
            for (int i = 0; i < phnum; i++)
            {
                var entry = table.AsSpan(i * phentsize, phentsize);
                uint ptype = U32(entry);
                long offset = is64 ? Offset(U64(entry[8..])) : U32(entry[4..]);
                ulong vaddr = is64 ? U64(entry[16..]) : U32(entry[8..]);
                ulong filesz = is64 ? U64(entry[32..]) : U32(entry[16..]);
                switch (ptype)
                {
                    case PtLoad:
                        loads.Add((vaddr, filesz, offset));
                        break;
                    // A segment without file bytes is how a separate debug-info file (objcopy --only-keep-debug,
                    // the *.dbg of an AOT publish) keeps the headers of its program: nothing a loader can use.
                    case PtInterp when filesz > 0:
                        interpOffset = offset;
                        interpSize = Size(filesz);
                        break;
                    case PtDynamic when filesz > 0:
                        dynamicOffset = offset;
                        dynamicSize = Size(filesz);
                        break;
                }
            }

            string? interpreter = interpOffset >= 0 ? ReadInterpreter(interpOffset, interpSize) : null;
            if (dynamicOffset < 0)
            {
                return elf with { Interpreter = interpreter };
            }
            return ReadDynamic(elf with { Interpreter = interpreter, IsDynamic = true }, dynamicOffset, dynamicSize, loads);
        }

        private ElfFile ReadDynamic(ElfFile elf, long offset, long size,
            List<(ulong VirtualAddress, ulong FileSize, long Offset)> loads)
        {
            if (size > MaxHeaderTableBytes)
            {
                throw new MalformedElfException("dynamic section too large");
            }
            var dynamic = new byte[size];
            ReadExactly(offset, dynamic);
            int entrySize = is64 ? 16 : 8;
            var needed = new List<ulong>();
            ulong? soname = null, rpath = null, runpath = null, strtab = null;
            ulong strsz = 0, flags1 = 0;
            for (int at = 0; at + entrySize <= dynamic.Length; at += entrySize)
            {
                var entry = dynamic.AsSpan(at, entrySize);
                long tag = is64 ? (long)U64(entry) : (int)U32(entry);
                ulong value = is64 ? U64(entry[8..]) : U32(entry[4..]);
                if (tag == DtNull)
                {
                    break;
                }
                switch (tag)
                {
                    case DtNeeded: needed.Add(value); break;
                    case DtStrtab: strtab = value; break;
                    case DtStrsz: strsz = value; break;
                    case DtSoname: soname = value; break;
                    case DtRpath: rpath = value; break;
                    case DtRunpath: runpath = value; break;
                    case DtFlags1: flags1 = value; break;
                }
            }
            if (strtab is null)
            {
                if (needed.Count > 0 || soname is not null || rpath is not null || runpath is not null)
                {
                    throw new MalformedElfException("dynamic entries without DT_STRTAB");
                }
                return elf with { NoDefaultLibraries = (flags1 & Df1NoDefLib) != 0 };
            }

            long tableOffset = FileOffsetOf(strtab.Value, loads);
            var strings = new StringTable(this, tableOffset, strsz == 0 ? long.MaxValue : Size(strsz));
            return elf with
            {
                Needed = needed.Select(strings.Get).ToArray(),
                Soname = soname is { } s ? strings.Get(s) : null,
                Rpath = rpath is { } r ? strings.Get(r) : null,
                Runpath = runpath is { } u ? strings.Get(u) : null,
                NoDefaultLibraries = (flags1 & Df1NoDefLib) != 0,
            };
        }

        private static long FileOffsetOf(ulong address, List<(ulong VirtualAddress, ulong FileSize, long Offset)> loads)
        {
            foreach (var (vaddr, filesz, offset) in loads)
            {
                if (address >= vaddr && address - vaddr < filesz)
                {
                    return offset + (long)(address - vaddr);
                }
            }
            throw new MalformedElfException("DT_STRTAB is outside every PT_LOAD segment");
        }

        private string ReadInterpreter(long offset, long size)
        {
            if (size <= 0 || size > 4096)
            {
                throw new MalformedElfException("bad PT_INTERP size");
            }
            var bytes = new byte[size];
            ReadExactly(offset, bytes);
            int end = Array.IndexOf(bytes, (byte)0);
            return Encoding.UTF8.GetString(bytes, 0, end < 0 ? bytes.Length : end);
        }

        private int ExtendedProgramHeaderCount(long shoff, int shentsize)
        {
            // PN_XNUM: the real count is sh_info of section header 0.
            if (shoff == 0 || shentsize < (is64 ? 64 : 40))
            {
                throw new MalformedElfException("PN_XNUM without a section header");
            }
            Span<byte> header = stackalloc byte[64];
            ReadExactly(shoff, header[..(is64 ? 64 : 40)]);
            return checked((int)U32(header[(is64 ? 44 : 28)..]));
        }

        /// <summary>Reads NUL-terminated strings of the dynamic string table in small pieces, as the entries ask.</summary>
        private sealed class StringTable(Reader reader, long offset, long size)
        {
            private readonly Dictionary<ulong, string> cache = [];

            public string Get(ulong index)
            {
                if (cache.TryGetValue(index, out var known))
                {
                    return known;
                }
                if ((long)index >= size)
                {
                    throw new MalformedElfException("string index beyond DT_STRSZ");
                }
                var collected = new List<byte>(64);
                Span<byte> chunk = stackalloc byte[256];
                long at = offset + (long)index;
                while (true)
                {
                    long limit = Math.Min(size - (long)index - collected.Count, chunk.Length);
                    int read = limit <= 0 ? 0 : reader.ReadAt(at, chunk[..(int)limit]);
                    if (read <= 0)
                    {
                        throw new MalformedElfException("unterminated string in the dynamic string table");
                    }
                    int nul = chunk[..read].IndexOf((byte)0);
                    if (nul >= 0)
                    {
                        foreach (var b in chunk[..nul]) collected.Add(b);
                        break;
                    }
                    foreach (var b in chunk[..read]) collected.Add(b);
                    at += read;
                }
                var text = Encoding.UTF8.GetString(collected.ToArray());
                cache[index] = text;
                return text;
            }
        }

        private int ReadAt(long offset, Span<byte> buffer)
        {
            if (offset < 0 || offset >= length)
            {
                return 0;
            }
            int total = 0;
            while (total < buffer.Length)
            {
                int read = RandomAccess.Read(handle, buffer[total..], offset + total);
                if (read == 0)
                {
                    break;
                }
                total += read;
            }
            return total;
        }

        private void ReadExactly(long offset, Span<byte> buffer)
        {
            if (offset < 0 || offset + buffer.Length > length || ReadAt(offset, buffer) != buffer.Length)
            {
                throw new MalformedElfException("a header points beyond the end of the file");
            }
        }

        private static long Offset(ulong value) =>
            value > long.MaxValue ? throw new MalformedElfException("offset out of range") : (long)value;

        private static long Size(ulong value) =>
            value > int.MaxValue ? throw new MalformedElfException("size out of range") : (long)value;

        private ushort U16(ReadOnlySpan<byte> b) =>
            littleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(b) : BinaryPrimitives.ReadUInt16BigEndian(b);

        private uint U32(ReadOnlySpan<byte> b) =>
            littleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt32BigEndian(b);

        private ulong U64(ReadOnlySpan<byte> b) =>
            littleEndian ? BinaryPrimitives.ReadUInt64LittleEndian(b) : BinaryPrimitives.ReadUInt64BigEndian(b);
    }
}
