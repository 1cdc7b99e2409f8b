using Distill.Reduce;
using Distill.Tests.Support;

namespace Distill.Tests.Reduce;

/// <summary>
/// The closure our loader model computes for real programs of this machine equals what glibc's own loader reports
/// (ldd runs ld.so in trace mode), compared as fully resolved paths.
/// </summary>
public sealed class LinkMapAgainstLddTests
{
    public static TheoryData<string> Programs()
    {
        var data = new TheoryData<string>();
        foreach (var candidate in new[]
        {
            "/usr/bin/podman", "/usr/bin/skopeo", "/usr/bin/curl", "/usr/bin/umoci", "/usr/lib/chromium/chromium",
            "/usr/bin/ssh", "/usr/bin/gpg", "/usr/bin/python3", "/usr/bin/git", "/usr/bin/clang", "/usr/bin/runc",
            "/usr/bin/strace", "/usr/bin/wrk", "/usr/bin/hyperfine", "/usr/bin/jq",
        })
        {
            if (File.Exists(candidate))
            {
                data.Add(candidate);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void Closure_equals_ldd(string program)
    {
        var expected = LddClosure(program);

        var fs = new ImageFileSystem("/", "app", null);
        var map = new LinkMap(fs, new ElfCache(), "/");
        map.LoadProgram(program, "test");
        var actual = ProcessRunner.RealPaths(map.Objects.Select(o => o.Resolution.HostPath)).ToHashSet();

        Assert.True(expected.Count > 1, $"ldd found nothing for {program}");
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void At_least_three_real_programs_are_compared()
    {
        Assert.True(Programs().Count >= 3, "this machine should have podman, skopeo, curl, chromium...");
    }

    /// <summary>The program and every object ldd lists, resolved; "not found" fails the test.</summary>
    private static HashSet<string> LddClosure(string program)
    {
        var paths = new List<string> { program };
        foreach (var rawLine in ProcessRunner.Check("ldd", program).Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line.StartsWith("linux-vdso", StringComparison.Ordinal))
            {
                continue;
            }
            Assert.DoesNotContain("not found", line);
            int arrow = line.IndexOf("=> ", StringComparison.Ordinal);
            string rest = arrow >= 0 ? line[(arrow + 3)..] : line;
            int paren = rest.IndexOf(" (", StringComparison.Ordinal);
            paths.Add(paren >= 0 ? rest[..paren] : rest);
        }
        return ProcessRunner.RealPaths(paths).ToHashSet();
    }
}
