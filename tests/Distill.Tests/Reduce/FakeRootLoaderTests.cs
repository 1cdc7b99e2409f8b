using Distill.Reduce;

namespace Distill.Tests.Reduce;

/// <summary>
/// Search-path rules (RPATH, RUNPATH, $ORIGIN, $LIB, ld.so.conf, DF_1_NODEFLIB, skipped foreign files, symlink chains)
/// in fabricated roots with small libraries built by gcc, each compared with what glibc's own loader does in that root.
/// </summary>
public sealed class FakeRootLoaderTests : IDisposable
{
    private const string Foo = "int foo(void) { return 42; }";
    private const string FooCallsBar = "int bar(void); int foo(void) { return bar() + 1; }";
    private const string Bar = "int bar(void) { return 41; }";
    private const string Main = "#include <stdio.h>\nint foo(void);\nint main(void) { printf(\"%d\\n\", foo()); return 0; }";

    private readonly FakeRoot root = new();

    public void Dispose() => root.Dispose();

    /// <summary>Our closure as resolved paths inside the root.</summary>
    private HashSet<string> OurClosure(string program)
    {
        var map = new LinkMap(new ImageFileSystem(root.Path, "app", null), new ElfCache(), "/");
        map.LoadProgram(program, "test");
        return map.Objects.Select(o => "/" + o.Resolution.Path).ToHashSet(StringComparer.Ordinal);
    }

    private void AssertSameAsLoader(string program)
    {
        var (found, missing) = root.Trace(program);
        Assert.Empty(missing);
        Assert.Equal(found.Order(StringComparer.Ordinal), OurClosure(program).Order(StringComparer.Ordinal));
    }

    private void AssertBothMiss(string program, string name)
    {
        var (_, missing) = root.Trace(program);
        Assert.Contains(name, missing);
        var error = Assert.Throws<ReduceException>(() => OurClosure(program));
        Assert.StartsWith($"{name} needed by ", error.Message);
        Assert.Contains("not found in sysroot", error.Message);
    }

    [Fact]
    public void Rpath_of_the_program_serves_the_needs_of_its_libraries()
    {
        root.Library("opt/foo/lib/libbar.so.1", "libbar.so.1", Bar);
        root.Library("opt/foo/lib/libfoo.so.1", "libfoo.so.1", FooCallsBar, ["opt/foo/lib/libbar.so.1"]);
        root.Program("opt/foo/bin/prog", Main, ["opt/foo/lib/libfoo.so.1"], "-Wl,-rpath,$ORIGIN/../lib", "-Wl,--disable-new-dtags");

        AssertSameAsLoader("/opt/foo/bin/prog");
        Assert.Contains("/opt/foo/lib/libbar.so.1", OurClosure("/opt/foo/bin/prog"));
        Assert.Equal("42\n", root.Run("/opt/foo/bin/prog").StandardOutput);
    }

    [Fact]
    public void Runpath_of_the_program_does_not_serve_the_needs_of_its_libraries()
    {
        root.Library("opt/foo/lib/libbar.so.1", "libbar.so.1", Bar);
        root.Library("opt/foo/lib/libfoo.so.1", "libfoo.so.1", FooCallsBar, ["opt/foo/lib/libbar.so.1"]);
        root.Program("opt/foo/bin/prog", Main, ["opt/foo/lib/libfoo.so.1"], "-Wl,-rpath,$ORIGIN/../lib", "-Wl,--enable-new-dtags");

        AssertBothMiss("/opt/foo/bin/prog", "libbar.so.1");
    }

    [Fact]
    public void Runpath_of_a_library_serves_its_own_needs()
    {
        root.Library("opt/foo/lib/libbar.so.1", "libbar.so.1", Bar);
        root.Library("opt/foo/lib/libfoo.so.1", "libfoo.so.1", FooCallsBar, ["opt/foo/lib/libbar.so.1"],
            "-Wl,-rpath,$ORIGIN", "-Wl,--enable-new-dtags");
        root.Program("opt/foo/bin/prog", Main, ["opt/foo/lib/libfoo.so.1"], "-Wl,-rpath,${ORIGIN}/../lib", "-Wl,--enable-new-dtags");

        AssertSameAsLoader("/opt/foo/bin/prog");
    }

    [Fact]
    public void A_library_with_runpath_ignores_the_rpath_of_its_loaders()
    {
        root.Library("opt/a/libbar.so.1", "libbar.so.1", Bar);
        root.Library("opt/foo/lib/libfoo.so.1", "libfoo.so.1", FooCallsBar, ["opt/a/libbar.so.1"],
            "-Wl,-rpath,/opt/b", "-Wl,--enable-new-dtags");
        root.Program("opt/foo/bin/prog", Main, ["opt/foo/lib/libfoo.so.1"], "-Wl,-rpath,/opt/foo/lib:/opt/a", "-Wl,--disable-new-dtags");

        AssertBothMiss("/opt/foo/bin/prog", "libbar.so.1");
    }

    [Fact]
    public void Symlink_chains_are_followed_and_kept()
    {
        root.Library($"{FakeRoot.Multiarch}/libfoo.so.1.2.3", "libfoo.so.1", Foo);
        root.Symlink($"{FakeRoot.Multiarch}/libfoo.so.1", "libfoo.so.1.2.3");
        root.Program("opt/foo/bin/prog", Main, [$"{FakeRoot.Multiarch}/libfoo.so.1"]);

        AssertSameAsLoader("/opt/foo/bin/prog");
        var map = new LinkMap(new ImageFileSystem(root.Path, "app", null), new ElfCache(), "/");
        map.LoadProgram("/opt/foo/bin/prog", "test");
        var foo = map.Objects.Single(o => o.Resolution.Path.EndsWith("libfoo.so.1.2.3", StringComparison.Ordinal));
        Assert.Equal("/lib/x86_64-linux-gnu/libfoo.so.1", foo.OpenedPath);
        Assert.Equal(
            [new SymlinkHop("lib", "usr/lib"), new SymlinkHop($"{FakeRoot.Multiarch}/libfoo.so.1", "libfoo.so.1.2.3")],
            foo.Resolution.Links);
    }

    [Fact]
    public void Ld_so_conf_directories_and_include_globs_are_searched()
    {
        root.Write("etc/ld.so.conf", "# comment\ninclude /etc/ld.so.conf.d/*.conf\n");
        root.Write("etc/ld.so.conf.d/extra.conf", "/opt/extra/lib\n");
        root.Write("etc/ld.so.conf.d/ignored.txt", "/opt/wrong/lib\n");
        root.Library("opt/wrong/lib/libfoo.so.1", "libfoo.so.1", Foo);
        root.Library("opt/extra/lib/libfoo.so.1", "libfoo.so.1", Foo);
        root.Program("opt/foo/bin/prog", Main, ["opt/extra/lib/libfoo.so.1"]);
        root.Ldconfig();

        AssertSameAsLoader("/opt/foo/bin/prog");
        Assert.Contains("/opt/extra/lib/libfoo.so.1", OurClosure("/opt/foo/bin/prog"));
    }

    [Fact]
    public void Lib_and_platform_tokens_expand_as_the_loader_expands_them()
    {
        root.Library("opt/x/x86_64/libbar.so.1", "libbar.so.1", Bar);
        root.Library("opt/x/lib/x86_64-linux-gnu/libfoo.so.1", "libfoo.so.1", FooCallsBar, ["opt/x/x86_64/libbar.so.1"]);
        root.Program("opt/foo/bin/prog", Main, ["opt/x/lib/x86_64-linux-gnu/libfoo.so.1"],
            "-Wl,-rpath,/opt/x/$LIB:/opt/x/${PLATFORM}", "-Wl,--disable-new-dtags");

        AssertSameAsLoader("/opt/foo/bin/prog");
    }

    [Fact]
    public void Nodefaultlib_keeps_the_default_directories_out()
    {
        root.Library("usr/lib/libfoo.so.1", "libfoo.so.1", Foo);
        root.Program("opt/foo/bin/prog", Main, ["usr/lib/libfoo.so.1"], "-Wl,-z,nodefaultlib",
            "-Wl,-rpath,/lib/x86_64-linux-gnu", "-Wl,--disable-new-dtags");

        AssertBothMiss("/opt/foo/bin/prog", "libfoo.so.1");
        File.Move(root.Host("usr/lib/libfoo.so.1"), root.Host($"{FakeRoot.Multiarch}/libfoo.so.1"));
        AssertSameAsLoader("/opt/foo/bin/prog");
    }

    [Fact]
    public void A_library_for_another_machine_is_skipped_during_the_search()
    {
        root.Library($"{FakeRoot.Multiarch}/libfoo.so.1", "libfoo.so.1", Foo);
        root.Library("opt/foo/lib/libfoo.so.1", "libfoo.so.1", Foo);
        using (var file = new FileStream(root.Host("opt/foo/lib/libfoo.so.1"), FileMode.Open, FileAccess.Write))
        {
            file.Position = 18; // e_machine
            file.Write([183, 0]); // EM_AARCH64
        }
        root.Program("opt/foo/bin/prog", Main, [$"{FakeRoot.Multiarch}/libfoo.so.1"], "-Wl,-rpath,/opt/foo/lib", "-Wl,--disable-new-dtags");

        AssertSameAsLoader("/opt/foo/bin/prog");
        Assert.Contains($"/{FakeRoot.Multiarch}/libfoo.so.1", OurClosure("/opt/foo/bin/prog"));

        File.Delete(root.Host($"{FakeRoot.Multiarch}/libfoo.so.1"));
        var error = Assert.Throws<ReduceException>(() => OurClosure("/opt/foo/bin/prog"));
        Assert.EndsWith("; skipped: /opt/foo/lib/libfoo.so.1 (AArch64, the program is x86-64)", error.Message);
    }

    [Fact]
    public void A_name_already_loaded_is_not_searched_again()
    {
        root.Library("opt/foo/lib/libfoo.so.1", "libfoo.so.1", Foo);
        root.Library("opt/bar/lib/libfoo.so.1", "libfoo.so.1", Foo);
        root.Library("opt/bar/lib/libbar.so.1", "libbar.so.1", "int foo(void); int bar(void) { return foo(); }",
            ["opt/bar/lib/libfoo.so.1"], "-Wl,-rpath,$ORIGIN", "-Wl,--enable-new-dtags");
        root.Program("opt/foo/bin/prog", "#include <stdio.h>\nint bar(void);\nint foo(void);\nint main(void) { printf(\"%d\\n\", foo() + bar()); return 0; }",
            ["opt/foo/lib/libfoo.so.1", "opt/bar/lib/libbar.so.1"], "-Wl,-rpath,/opt/foo/lib:/opt/bar/lib", "-Wl,--disable-new-dtags");

        AssertSameAsLoader("/opt/foo/bin/prog");
        Assert.DoesNotContain("/opt/bar/lib/libfoo.so.1", OurClosure("/opt/foo/bin/prog"));
    }

    [Fact]
    public void The_origin_of_a_program_started_through_a_symlink_is_its_real_directory()
    {
        root.Library("opt/foo/lib/libfoo.so.1", "libfoo.so.1", Foo);
        root.Program("opt/foo/bin/prog", Main, ["opt/foo/lib/libfoo.so.1"], "-Wl,-rpath,$ORIGIN/../lib", "-Wl,--enable-new-dtags");
        root.Symlink("usr/bin/prog", "../../opt/foo/bin/prog");

        Assert.Equal("42\n", root.Run("/usr/bin/prog").StandardOutput); // the kernel and ld.so agree: $ORIGIN is /opt/foo/bin
        var closure = OurClosure("/usr/bin/prog");
        Assert.Contains("/opt/foo/lib/libfoo.so.1", closure);
        Assert.Contains("/opt/foo/bin/prog", closure);
    }

    [Fact]
    public void A_missing_interpreter_is_refused()
    {
        root.Program("opt/foo/bin/prog", "int main(void) { return 0; }", null, "-Wl,--dynamic-linker=/lib/ld-nowhere.so.2");

        var error = Assert.Throws<ReduceException>(() => OurClosure("/opt/foo/bin/prog"));
        Assert.Equal($"the interpreter /lib/ld-nowhere.so.2 of opt/foo/bin/prog was not found in sysroot {root.Path}", error.Message);
    }

    [Fact]
    public void A_missing_library_is_refused_with_the_directories_searched()
    {
        root.Library("opt/foo/lib/libfoo.so.1", "libfoo.so.1", Foo);
        root.Program("opt/foo/bin/prog", Main, ["opt/foo/lib/libfoo.so.1"], "-Wl,-rpath,/opt/nowhere", "-Wl,--enable-new-dtags");

        var error = Assert.Throws<ReduceException>(() => OurClosure("/opt/foo/bin/prog"));
        Assert.Equal(
            $"libfoo.so.1 needed by opt/foo/bin/prog not found in sysroot {root.Path}; searched: /opt/nowhere, " +
            "/lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib64, /usr/lib64, /lib, /usr/lib",
            error.Message);
    }

    [Fact]
    public void A_symlink_out_of_the_sysroot_is_refused()
    {
        root.Library("opt/foo/lib/libfoo.so.1", "libfoo.so.1", Foo);
        root.Program("opt/foo/bin/prog2", Main, ["opt/foo/lib/libfoo.so.1"], "-Wl,-rpath,/opt/foo/lib", "-Wl,--enable-new-dtags");
        File.Delete(root.Host("opt/foo/lib/libfoo.so.1"));
        root.Symlink("opt/foo/lib/libfoo.so.1", "../../../../../../../../etc/passwd");

        var error = Assert.Throws<ReduceException>(() => OurClosure("/opt/foo/bin/prog2"));
        Assert.Equal($"symlink /opt/foo/lib/libfoo.so.1 -> ../../../../../../../../etc/passwd leads outside the root {root.Path}", error.Message);
    }
}
