using Distill.EndToEnd.Tests.Support;
using Distill.Tests.Support;

namespace Distill.EndToEnd.Tests.Build;

/// <summary>
/// Issue 3's bad input for `distill build`: a non-zero exit, one `distill: error:` line that says what is wrong, and no
/// image file left behind. The projects here are tiny and made by the test (they need no demo build).
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private readonly TempDirectory _work = new("distill-e2e-bad");
    private string OutDir => _work.Combine("out");
    private CliOptions Cli => new() { CacheDirectory = _work.Combine("cache") };

    [Fact]
    public async Task A_project_that_does_not_exist_is_one_error_line()
    {
        var missing = _work.Combine("no-such-project");
        var result = await DistillCli.RunAsync(["build", missing, "--out-dir", OutDir], Cli);
        var error = SingleError(result);
        Assert.Contains("project not found", error);
        Assert.Contains(missing, error);
        AssertNoImageWritten();
    }

    [Fact]
    public async Task Framework_profile_without_a_base_image_is_one_error_line_naming_base()
    {
        var result = await DistillCli.RunAsync(["build", "--profile", "framework", "--out-dir", OutDir], Cli);
        var error = SingleError(result);
        Assert.Contains("--base", error);
        AssertNoImageWritten();
    }

    [Fact]
    public async Task An_aot_incompatible_project_is_told_to_use_the_self_contained_profile()
    {
        var project = await WriteProjectAsync("Reflective", """
            using System.Reflection;
            using System.Reflection.Emit;

            var open = Type.GetType(args.Length > 0 ? args[0] : "System.Collections.Generic.List`1")!;
            Console.WriteLine(open.MakeGenericType(typeof(int)));
            Console.WriteLine(AssemblyBuilder.DefineDynamicAssembly(new AssemblyName("Dynamic"), AssemblyBuilderAccess.Run).FullName);
            if (args.Length > 1)
                Console.WriteLine(Assembly.LoadFrom(args[1]).FullName);
            """);
        var result = await DistillCli.RunAsync(["build", project, "--out-dir", OutDir], Cli);
        var error = SingleError(result);
        Assert.Contains("--profile self-contained", error);
        Assert.Matches(@"IL[23]\d{3}", error);
        AssertNoImageWritten();
    }

    [Fact]
    public async Task A_compile_error_fails_the_build_and_shows_the_compiler_error()
    {
        // Also uses reflection: the compile error must win over the trim/AOT warnings that come with it.
        var project = await WriteProjectAsync("Broken", """
            using System.Reflection;

            int port = "8080";
            Console.WriteLine(Assembly.LoadFrom(args[0]).FullName + port);
            """);
        var result = await DistillCli.RunAsync(["build", project, "--out-dir", OutDir], Cli);
        var error = SingleError(result);
        Assert.Contains("CS0029", error);
        Assert.DoesNotContain("Native-AOT", error);
        // The compiler's own output streams through, with file and line.
        Assert.Matches(@"Program\.cs\(3,\d+\): error CS0029", result.Stdout + result.Stderr);
        AssertNoImageWritten();
    }

    private Task<string> WriteProjectAsync(string name, string program) =>
        TestProjects.WriteConsoleAsync(_work.Combine(name), name, program);

    private static string SingleError(CliResult result)
    {
        Assert.True(result.ExitCode != 0, result.Describe());
        Assert.True(result.ErrorLines.Count == 1, "expected one 'distill: error:' line\n" + result.Describe());
        return result.ErrorLines[0];
    }

    /// <summary>Nothing but the build's working folder (.distill: publish output, blobs) may be under the out dir.</summary>
    private void AssertNoImageWritten()
    {
        if (!Directory.Exists(OutDir))
            return;
        var working = Path.Combine(OutDir, ".distill") + Path.DirectorySeparatorChar;
        var left = Directory.EnumerateFileSystemEntries(OutDir, "*", SearchOption.AllDirectories)
            .Where(p => !p.StartsWith(working, StringComparison.Ordinal) && p != working.TrimEnd(Path.DirectorySeparatorChar)).ToList();
        Assert.True(left.Count == 0, "left behind: " + string.Join(", ", left));
    }

    public void Dispose() => _work.Dispose();
}
