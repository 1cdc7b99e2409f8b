using System.Runtime.Versioning;
using Distill.Publish;
using Distill.Reduce;
using Distill.Tests.Support;

namespace Distill.Tests.Reduce;

/// <summary>
/// The planner and the writer on a publish folder holding a small C program (a native program is what the AOT profile
/// ships), against a fabricated sysroot; the result runs under the real loader and in podman as uid 65532, read-only.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class PlannerTests : IDisposable
{
    private const string ProgramSource = """
        #include <stdio.h>
        #include <pwd.h>
        #include <unistd.h>
        int native_answer(void);
        int main(void) {
            struct passwd *user = getpwuid(getuid());
            FILE *scratch = fopen("/tmp/scratch", "w");
            printf("answer=%d uid=%d name=%s tmp=%s\n", native_answer(), (int)getuid(), user ? user->pw_name : "?",
                scratch ? "writable" : "read-only");
            return 0;
        }
        """;

    private readonly FakeRoot root = new();
    private readonly TempDirectory publish = new("distill-publish-");
    private readonly TempDirectory work = new("distill-work-");

    public PlannerTests()
    {
        string native = publish.Combine("libnative.so");
        Compile(native, "int native_answer(void) { return 42; }", "-shared", "-fPIC", "-Wl,-soname,libnative.so");
        Compile(publish.Combine("libunused.so"), "int unused(void) { return 1; }", "-shared", "-fPIC");
        Compile(publish.Combine("prog"), ProgramSource, native, "-Wl,-rpath,$ORIGIN", "-Wl,--enable-new-dtags");
        File.WriteAllText(publish.Combine("prog.dbg"), "symbols");
        File.WriteAllText(publish.Combine("Notes.pdb"), "symbols");
        File.WriteAllText(publish.Combine("appsettings.json"), "{}");
        File.WriteAllText(publish.Combine("web.config"), "<configuration />");
        File.Copy(typeof(ElfFile).Assembly.Location, publish.Combine("Leftover.dll"));
        File.WriteAllText(publish.Combine("Leftover.xml"), "<doc />");
        File.Copy(typeof(FactAttribute).Assembly.Location, publish.Combine("xunit.core.dll"));
        Directory.CreateDirectory(publish.Combine("wwwroot"));
        File.WriteAllText(publish.Combine("wwwroot", "index.html"), "<html />");
        Directory.CreateDirectory(publish.Combine("data"));
        File.CreateSymbolicLink(publish.Combine("data", "settings.json"), "../appsettings.json");
    }

    public void Dispose()
    {
        root.Dispose();
        publish.Dispose();
        work.Dispose();
    }

    private static void Compile(string output, string source, params string[] flags)
    {
        string file = output + ".c";
        File.WriteAllText(file, source);
        try
        {
            ProcessRunner.Check("gcc", ["-o", output, file, .. flags]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private ReduceOptions Options => new() { PublishDirectory = publish.Path, Profile = PublishProfile.Aot, Sysroot = root.Path };

    private RootFsPlan Plan(ReduceOptions? options = null) => new RootFsPlanner().Plan(options ?? Options);

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8);

    [Fact]
    public void The_plan_holds_the_program_what_it_loads_and_the_system_files_nothing_else()
    {
        var plan = Plan();

        Assert.Equal(["/app/prog"], plan.Entrypoint);
        Assert.Equal("/app", plan.WorkingDirectory);
        Assert.Equal("65532:65532", plan.User);
        Assert.Equal("amd64", plan.Architecture);
        Assert.Empty(plan.Environment);
        var described = plan.Entries.Select(e => $"{e.Layer} {e.Kind} {Octal(e.Mode)} {e.Path}{(e.LinkTarget is null ? "" : " -> " + e.LinkTarget)}");
        Assert.Equal(
        [
            "Application Directory 755 app",
            "Application File 644 app/appsettings.json",
            "Application Directory 755 app/data",
            "Application Symlink 777 app/data/settings.json -> ../appsettings.json",
            "Application File 755 app/libnative.so",
            "Application File 755 app/prog",
            "Application Directory 755 app/wwwroot",
            "Application File 644 app/wwwroot/index.html",
            "System Directory 755 etc",
            "System File 644 etc/group",
            "System File 644 etc/nsswitch.conf",
            "System File 644 etc/passwd",
            "System Symlink 777 lib -> usr/lib",
            "System Symlink 777 lib64 -> usr/lib64",
            "System Directory 1777 tmp",
            "System Directory 755 usr",
            "System Directory 755 usr/lib",
            "System Directory 755 usr/lib/x86_64-linux-gnu",
            "System File 755 usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
            "System File 755 usr/lib/x86_64-linux-gnu/libc.so.6",
            "System Directory 755 usr/lib64",
            "System Symlink 777 usr/lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        ], described);

        RootFsEntry Entry(string path) => plan.Entries.Single(e => e.Path == path);
        Assert.Equal("the program (Native AOT)", Entry("app/prog").Reason);
        Assert.Equal("DT_NEEDED of app/prog", Entry("app/libnative.so").Reason);
        Assert.Equal("PT_INTERP of app/prog", Entry("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2").Reason);
        Assert.Equal("DT_NEEDED of app/prog", Entry("usr/lib/x86_64-linux-gnu/libc.so.6").Reason);
        Assert.StartsWith("symlink -> usr/lib on the way to /lib64/ld-linux-x86-64.so.2", Entry("lib").Reason);
        Assert.Equal(root.Host("usr/lib/x86_64-linux-gnu/libc.so.6"), Entry("usr/lib/x86_64-linux-gnu/libc.so.6").SourcePath);
        Assert.Equal(new FileInfo(root.Host("usr/lib/x86_64-linux-gnu/libc.so.6")).Length, Entry("usr/lib/x86_64-linux-gnu/libc.so.6").Size);
        Assert.Equal(SystemFiles.Passwd, Entry("etc/passwd").Content);
        Assert.Contains("app:x:65532:65532:app:/tmp:/sbin/nologin", SystemFiles.Passwd);
        Assert.Contains("app:x:65532:", SystemFiles.Group);
    }

    [Fact]
    public void The_publish_folder_leftovers_are_dropped_with_their_reasons()
    {
        var plan = Plan();

        Assert.Equal(
        [
            "Leftover.dll: managed assembly: a Native AOT program cannot load assemblies",
            "Leftover.xml: XML documentation of Leftover.dll",
            "Notes.pdb: debug symbols (PDB)",
            "libunused.so: unused native library: no kept ELF needs it, no kept assembly imports it, the runtime does not load it",
            "prog.dbg: debug symbols (native)",
            "web.config: IIS configuration, not read on Linux",
            "xunit.core.dll: test framework or test assembly",
        ], plan.Dropped.Select(d => $"{d.Path}: {d.Reason}"));
        Assert.Equal(new FileInfo(publish.Combine("Leftover.dll")).Length, plan.Dropped[0].Size);
    }

    [Fact]
    public async Task The_written_root_runs_under_the_real_loader_and_in_podman_as_the_app_user_read_only()
    {
        var plan = Plan();
        string output = Path.Combine(work.Path, "rootfs");

        await new RootFsWriter().WriteAsync(plan, output);

        var contained = Podman.RunRootFs(output, ["/app/prog"]);
        Assert.True(contained.ExitCode == 0, contained.StandardError);
        Assert.Equal("answer=42 uid=65532 name=app tmp=writable\n", contained.StandardOutput);

        Directory.CreateDirectory(Path.Combine(output, "proc")); // a mount point for unshare; container runtimes make their own
        var direct = ProcessRunner.Run("unshare", ["--mount", "--fork", $"--root={output}", "--mount-proc", "/app/prog"]);
        Assert.True(direct.ExitCode == 0, direct.StandardError);
        Assert.Equal("answer=42 uid=0 name=root tmp=writable\n", direct.StandardOutput);
    }

    [Fact]
    public async Task A_library_from_an_ld_so_conf_directory_is_found_at_run_time_through_the_planned_environment()
    {
        root.Write("etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n");
        root.Write("etc/ld.so.conf.d/extra.conf", "/opt/extra/lib\n");
        root.Library("opt/extra/lib/libextra.so.1", "libextra.so.1", "int extra(void) { return 7; }");
        Compile(publish.Combine("prog"), "#include <stdio.h>\nint extra(void);\nint main(void) { printf(\"%d\\n\", extra()); return 0; }",
            root.Host("opt/extra/lib/libextra.so.1"));
        File.Delete(publish.Combine("libnative.so"));

        var plan = Plan();
        string output = Path.Combine(work.Path, "rootfs");
        await new RootFsWriter().WriteAsync(plan, output);

        Assert.Equal("/opt/extra/lib", plan.Environment["LD_LIBRARY_PATH"]);
        Assert.Equal("DT_NEEDED of app/prog", plan.Entries.Single(e => e.Path == "opt/extra/lib/libextra.so.1").Reason);
        Assert.NotEqual(0, Podman.RunRootFs(output, ["/app/prog"]).ExitCode); // the image has no ld.so.cache
        var run = Podman.RunRootFs(output, ["/app/prog"], environment: plan.Environment);
        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Equal("7\n", run.StandardOutput);
    }

    [Fact]
    public async Task The_writer_writes_exact_modes_symlinks_as_symlinks_and_the_given_time()
    {
        var plan = Plan();
        string output = Path.Combine(work.Path, "rootfs");
        var time = new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero);

        await new RootFsWriter().WriteAsync(plan, output, new RootFsWriterOptions { Timestamp = time });

        foreach (var entry in plan.Entries)
        {
            string path = Path.Combine(output, entry.Path);
            var info = new FileInfo(path);
            switch (entry.Kind)
            {
                case RootFsEntryKind.Symlink:
                    Assert.Equal(entry.LinkTarget, info.LinkTarget);
                    break;
                case RootFsEntryKind.Directory:
                    Assert.True(Directory.Exists(path) && info.LinkTarget is null, path);
                    Assert.Equal(Octal(entry.Mode), Octal(File.GetUnixFileMode(path)));
                    Assert.Equal(time.UtcDateTime, Directory.GetLastWriteTimeUtc(path));
                    break;
                default:
                    Assert.Null(info.LinkTarget);
                    Assert.Equal(Octal(entry.Mode), Octal(File.GetUnixFileMode(path)));
                    Assert.Equal(entry.Size, info.Length);
                    Assert.Equal(time.UtcDateTime, File.GetLastWriteTimeUtc(path));
                    break;
            }
        }
        Assert.Equal("1777", Octal(File.GetUnixFileMode(Path.Combine(output, "tmp"))));
        Assert.Equal(File.ReadAllBytes(publish.Combine("prog")), File.ReadAllBytes(Path.Combine(output, "app/prog")));
        Assert.Equal(SystemFiles.Group, File.ReadAllText(Path.Combine(output, "etc/group")));
        var found = ProcessRunner.Check("find", output, "-mindepth", "1").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(plan.Entries.Select(e => Path.Combine(output, e.Path)).Order(StringComparer.Ordinal), found.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_writer_refuses_an_output_that_is_not_empty_and_leaves_nothing_behind()
    {
        var plan = Plan();
        string output = Path.Combine(work.Path, "rootfs");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "keep.txt"), "mine");

        var error = await Assert.ThrowsAsync<ReduceException>(() => new RootFsWriter().WriteAsync(plan, output));

        Assert.Equal($"output {output} exists and is not empty; give a new or empty directory", error.Message);
        Assert.Equal(["keep.txt"], Directory.EnumerateFileSystemEntries(output).Select(Path.GetFileName));
        Assert.Equal(["rootfs"], Directory.EnumerateFileSystemEntries(work.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task The_writer_fills_an_empty_output_directory()
    {
        var plan = Plan();
        string output = Path.Combine(work.Path, "rootfs");
        Directory.CreateDirectory(output);

        await new RootFsWriter().WriteAsync(plan, output);

        Assert.True(File.Exists(Path.Combine(output, "app/prog")));
        Assert.Equal(["rootfs"], Directory.EnumerateFileSystemEntries(work.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task The_writer_refuses_an_unsound_plan_and_cleans_up()
    {
        var good = Plan();
        var link = new RootFsEntry { Path = "escape", Kind = RootFsEntryKind.Symlink, Mode = 0, LinkTarget = "/etc", Layer = RootFsLayer.System, Reason = "test" };
        var below = new RootFsEntry { Path = "escape/passwd", Kind = RootFsEntryKind.File, Mode = 0, Content = "x", Layer = RootFsLayer.System, Reason = "test" };
        var dotted = below with { Path = "../outside" };
        string output = Path.Combine(work.Path, "rootfs");

        var belowError = await Assert.ThrowsAsync<ReduceException>(() =>
            new RootFsWriter().WriteAsync(good with { Entries = [link, below] }, output));
        var dottedError = await Assert.ThrowsAsync<ReduceException>(() =>
            new RootFsWriter().WriteAsync(good with { Entries = [dotted] }, output));

        Assert.Equal("plan entry /escape/passwd lies below the symlink /escape; writing it would leave the root", belowError.Message);
        Assert.Equal("plan entry ../outside: a path with '..' is refused", dottedError.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(work.Path));
    }

    [Fact]
    public void Entries_the_base_image_provides_move_out_with_a_reason()
    {
        var plan = Plan();

        var reduced = plan.WithoutPathsOf(new HashSet<string> { "/usr/lib/x86_64-linux-gnu/libc.so.6", "etc/passwd", "./lib", "usr/" });

        Assert.Equal(["etc/passwd", "lib", "usr", "usr/lib/x86_64-linux-gnu/libc.so.6"],
            reduced.ProvidedByBase.Select(e => e.Path).Order(StringComparer.Ordinal));
        Assert.Equal("provided by the base image (needed as: DT_NEEDED of app/prog)",
            reduced.ProvidedByBase.Single(e => e.Path.EndsWith("libc.so.6", StringComparison.Ordinal)).Reason);
        Assert.Equal(plan.Entries.Count - 4, reduced.Entries.Count);
        Assert.DoesNotContain(reduced.Entries, e => e.Path is "etc/passwd" or "lib" or "usr");
    }

    [Fact]
    public void The_application_directory_can_be_elsewhere()
    {
        var plan = Plan(Options with { AppDirectory = "/srv/app" });

        Assert.Equal(["/srv/app/prog"], plan.Entrypoint);
        Assert.Equal(RootFsLayer.System, plan.Entries.Single(e => e.Path == "srv").Layer);
        Assert.Equal(RootFsLayer.Application, plan.Entries.Single(e => e.Path == "srv/app").Layer);
        Assert.Equal("DT_NEEDED of srv/app/prog", plan.Entries.Single(e => e.Path == "srv/app/libnative.so").Reason);
    }

    [Fact]
    public void Includes_bring_files_directories_symlinks_and_the_closure_of_programs()
    {
        root.Write("usr/share/demo/a.txt", "a");
        root.Write("usr/share/demo/sub/b.txt", "b");
        root.Symlink("usr/share/demo/link", "a.txt");
        root.Symlink("usr/share/demo/outer", "/etc/motd");
        root.Write("etc/motd", "hello");

        var plan = Plan(Options with { Includes = ["usr/share/demo", "./usr/bin/readlink"] });

        RootFsEntry Entry(string path) => plan.Entries.Single(e => e.Path == path);
        Assert.Equal("--include usr/share/demo", Entry("usr/share/demo/sub/b.txt").Reason);
        Assert.Equal("a.txt", Entry("usr/share/demo/link").LinkTarget);
        Assert.Equal("/etc/motd", Entry("usr/share/demo/outer").LinkTarget);
        Assert.Equal(RootFsEntryKind.File, Entry("etc/motd").Kind);
        Assert.Equal("--include usr/bin/readlink", Entry("usr/bin/readlink").Reason);
        Assert.Equal(RootFsEntryKind.Directory, Entry("usr/share/demo").Kind);
    }

    [Theory]
    [InlineData("/etc/passwd", "--include /etc/passwd: absolute paths are refused; give the path relative to the root, e.g. etc/passwd")]
    [InlineData("etc/../../secret", "--include etc/../../secret: a path with '..' is refused")]
    [InlineData("app/prog", "--include app/prog: overlaps the application directory /app, which comes from the publish folder")]
    public void Bad_includes_are_refused(string include, string message)
    {
        var error = Assert.Throws<ReduceException>(() => Plan(Options with { Includes = [include] }));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void A_missing_include_is_refused()
    {
        var error = Assert.Throws<ReduceException>(() => Plan(Options with { Includes = ["usr/share/nothing"] }));
        Assert.Equal($"--include usr/share/nothing: not found in sysroot {root.Path}", error.Message);
    }

    [Fact]
    public void An_include_leading_out_of_the_sysroot_is_refused()
    {
        root.Symlink("opt/evil", "../../../../../../../etc");
        var error = Assert.Throws<ReduceException>(() => Plan(Options with { Includes = ["opt/evil/passwd"] }));
        Assert.Equal($"symlink /opt/evil -> ../../../../../../../etc leads outside the root {root.Path}", error.Message);
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../../../../../../etc/passwd")]
    public void A_publish_folder_symlink_out_of_it_is_refused(string target)
    {
        File.CreateSymbolicLink(publish.Combine("data", "evil"), target);
        var error = Assert.Throws<ReduceException>(() => Plan());
        Assert.Equal($"symlink data/evil -> {target} in the publish folder {publish.Path} points outside it", error.Message);
    }

    [Fact]
    public void Exclude_and_keep_override_the_rules()
    {
        var plan = Plan(Options with { ExcludePaths = ["wwwroot/*"], KeepPaths = ["libunused.so", "*.pdb"] });

        Assert.Equal("--exclude", plan.Dropped.Single(d => d.Path == "wwwroot/index.html").Reason);
        Assert.Equal("--keep", plan.Entries.Single(e => e.Path == "app/libunused.so").Reason);
        Assert.Equal("--keep", plan.Entries.Single(e => e.Path == "app/Notes.pdb").Reason);
    }

    [Fact]
    public void A_publish_folder_symlink_goes_with_the_file_it_leads_to()
    {
        File.CreateSymbolicLink(publish.Combine("libunused.so.1"), "libunused.so");

        var plan = Plan();

        Assert.Equal("symlink to libunused.so, which is dropped", plan.Dropped.Single(d => d.Path == "libunused.so.1").Reason);
        Assert.DoesNotContain(plan.Entries, e => e.Path.StartsWith("app/libunused", StringComparison.Ordinal));
    }

    [Fact]
    public void A_library_the_program_needs_is_kept_even_when_excluded()
    {
        var plan = Plan(Options with { ExcludePaths = ["libnative.so"] });
        Assert.Equal("DT_NEEDED of app/prog (although: --exclude)", plan.Entries.Single(e => e.Path == "app/libnative.so").Reason);
    }

    [Fact]
    public void A_folder_without_a_program_or_of_another_profile_is_refused()
    {
        File.SetUnixFileMode(publish.Combine("prog"), (UnixFileMode)0b110_100_100);
        var none = Assert.Throws<ReduceException>(() => Plan());
        var selfContained = Assert.Throws<ReduceException>(() => Plan(Options with { Profile = PublishProfile.SelfContained }));

        Assert.Equal($"no executable ELF program in {publish.Path}: not the output of a Native AOT publish", none.Message);
        Assert.Equal($"no *.runtimeconfig.json in {publish.Path}: not the output of a self-contained publish", selfContained.Message);
    }
}
