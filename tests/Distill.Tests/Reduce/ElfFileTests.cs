using System.Text.RegularExpressions;
using Distill.Reduce;
using Distill.Tests.Support;

namespace Distill.Tests.Reduce;

/// <summary>Our ELF reader against binutils' readelf on the real files of this machine.</summary>
public sealed partial class ElfFileTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        var candidates = new List<string>
        {
            "/usr/bin/podman", "/usr/bin/curl", "/usr/lib/chromium/chromium", "/usr/bin/dotnet", "/sbin/ldconfig",
            "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        };
        // A spread of real libraries: every 15th of the multiarch directory, so tens of files of all kinds.
        candidates.AddRange(Directory.EnumerateFiles("/usr/lib/x86_64-linux-gnu", "*.so*")
            .Where(f => new FileInfo(f).LinkTarget is null).Order(StringComparer.Ordinal).Where((_, i) => i % 15 == 0));
        foreach (var file in candidates.Where(File.Exists))
        {
            data.Add(file);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_what_readelf_reads(string file)
    {
        var elf = ElfFile.TryRead(file);
        string readelf = ProcessRunner.Check("readelf", "-W", "-h", "-l", "-d", file);

        Assert.NotNull(elf);
        Assert.Equal(Field(readelf, @"Machine:\s+(.+)") == "Advanced Micro Devices X86-64" ? 62 : -1, elf.Machine);
        Assert.Equal(Field(readelf, @"Class:\s+(\S+)") == "ELF64" ? 2 : 1, elf.Class);
        Assert.Equal(Field(readelf, @"\[Requesting program interpreter: (.+)\]"), elf.Interpreter);
        Assert.Equal(All(readelf, @"\(NEEDED\)\s+Shared library: \[(.+)\]"), elf.Needed);
        Assert.Equal(Field(readelf, @"\(SONAME\)\s+Library soname: \[(.+)\]"), elf.Soname);
        Assert.Equal(Field(readelf, @"\(RPATH\)\s+Library rpath: \[(.*)\]"), elf.Rpath);
        Assert.Equal(Field(readelf, @"\(RUNPATH\)\s+Library runpath: \[(.*)\]"), elf.Runpath);
        Assert.Equal(Regex.IsMatch(readelf, @"^\s+DYNAMIC\s", RegexOptions.Multiline), elf.IsDynamic);
    }

    [Fact]
    public void The_spread_of_files_is_wide()
    {
        Assert.True(Files().Count >= 20);
    }

    [Fact]
    public void A_file_that_is_not_elf_is_not_read_as_elf()
    {
        using var dir = new TempDirectory();
        string script = dir.Combine("run.sh");
        File.WriteAllText(script, "#!/bin/sh\necho hi\n");
        string empty = dir.Combine("empty");
        File.WriteAllBytes(empty, []);

        Assert.Null(ElfFile.TryRead("/etc/passwd"));
        Assert.Null(ElfFile.TryRead(script));
        Assert.Null(ElfFile.TryRead(empty));
        Assert.Null(ElfFile.TryRead(typeof(ElfFile).Assembly.Location)); // a PE file
    }

    [Fact]
    public void A_truncated_elf_file_is_refused_with_its_name()
    {
        using var dir = new TempDirectory();
        string truncated = dir.Combine("libcut.so");
        using (var source = File.OpenRead("/usr/bin/curl"))
        using (var target = File.Create(truncated))
        {
            var head = new byte[100];
            source.ReadExactly(head);
            target.Write(head);
        }

        var error = Assert.Throws<ReduceException>(() => ElfFile.TryRead(truncated));
        Assert.StartsWith($"{truncated}: damaged ELF file (", error.Message);
    }

    [Fact]
    public void A_static_program_has_no_interpreter_and_no_needs()
    {
        var elf = ElfFile.TryRead("/sbin/ldconfig");
        Assert.NotNull(elf);
        Assert.Null(elf.Interpreter);
        Assert.Empty(elf.Needed);
    }

    [Fact]
    public void A_separate_debug_info_file_is_elf_that_nothing_loads()
    {
        using var dir = new TempDirectory();
        string debug = dir.Combine("curl.dbg");
        ProcessRunner.Check("objcopy", "--only-keep-debug", "/usr/bin/curl", debug);

        var elf = ElfFile.TryRead(debug);

        Assert.NotNull(elf);
        Assert.Null(elf.Interpreter);
        Assert.False(elf.IsDynamic);
        Assert.False(elf.IsProgram);
    }

    private static string? Field(string text, string pattern)
    {
        var match = Regex.Match(text, pattern, RegexOptions.Multiline);
        return match.Success ? match.Groups[1].Value.Trim() : null;
    }

    private static string[] All(string text, string pattern) =>
        Regex.Matches(text, pattern).Select(m => m.Groups[1].Value).ToArray();
}
