using System.Security.Cryptography;
using Distill.Publish;
using Distill.Reduce;
using Distill.Tests.Support;

namespace Distill.Tests.Reduce;

/// <summary>Reduce real .NET publish outputs against this machine, materialise them, and run them in podman.</summary>
public sealed class DotnetAppsTests(DotnetAppsFixture apps) : IClassFixture<DotnetAppsFixture>, IDisposable
{
    private readonly TempDirectory work = new("distill-reduce-run-");

    public void Dispose() => work.Dispose();

    private static RootFsPlan Plan(string publish, PublishProfile profile, Func<ReduceOptions, ReduceOptions>? adjust = null)
    {
        var options = new ReduceOptions { PublishDirectory = publish, Profile = profile };
        return new RootFsPlanner().Plan(adjust is null ? options : adjust(options));
    }

    private async Task<ProcessResult> RunAsync(RootFsPlan plan)
    {
        string rootFs = Path.Combine(work.Path, "rootfs-" + Guid.NewGuid().ToString("N"));
        await new RootFsWriter().WriteAsync(plan, rootFs);
        return Podman.RunRootFs(rootFs, plan.Entrypoint);
    }

    private static string[] SystemFiles(RootFsPlan plan) =>
        plan.Entries.Where(e => e.Layer == RootFsLayer.System && e.Kind != RootFsEntryKind.Directory).Select(e => e.Path).ToArray();

    [Fact]
    public async Task A_native_aot_hello_needs_the_loader_libc_and_libm_only_and_runs()
    {
        var plan = Plan(apps.TinyAot, PublishProfile.Aot);

        Assert.Equal(
        [
            "etc/group", "etc/nsswitch.conf", "etc/passwd", "lib", "lib64",
            "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "usr/lib/x86_64-linux-gnu/libc.so.6", "usr/lib/x86_64-linux-gnu/libm.so.6",
            "usr/lib64/ld-linux-x86-64.so.2",
        ], SystemFiles(plan));
        Assert.Equal(["app", "app/tiny"], plan.Entries.Where(e => e.Layer == RootFsLayer.Application).Select(e => e.Path));
        Assert.Equal(["tiny.dbg: debug symbols (native)"], plan.Dropped.Select(d => $"{d.Path}: {d.Reason}"));
        Assert.Contains("TLS: not used, no OpenSSL added", plan.Decisions);

        var run = await RunAsync(plan);
        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Equal("Hello from Native AOT\n", run.StandardOutput);
    }

    [Fact]
    public async Task A_native_aot_program_using_icu_and_openssl_gets_them_with_the_certificates_and_runs()
    {
        var plan = Plan(apps.WorldlyAot, PublishProfile.Aot);

        var files = SystemFiles(plan);
        Assert.Contains("usr/lib/x86_64-linux-gnu/libssl.so.3", files);
        Assert.Contains("usr/lib/x86_64-linux-gnu/libcrypto.so.3", files);
        Assert.Contains("etc/ssl/certs/ca-certificates.crt", files);
        Assert.Contains(files, f => f.StartsWith("usr/lib/x86_64-linux-gnu/libicuuc.so.", StringComparison.Ordinal));
        Assert.Contains(files, f => f.StartsWith("usr/lib/x86_64-linux-gnu/libicudata.so.", StringComparison.Ordinal));
        Assert.Equal("dlopen by the OpenSSL shim (TLS)", plan.Entries.Single(e => e.Path == "usr/lib/x86_64-linux-gnu/libssl.so.3").Reason);
        Assert.Contains(plan.Decisions, d => d.StartsWith("ICU ", StringComparison.Ordinal) && d.Contains("the program carries the ICU loader", StringComparison.Ordinal));

        var run = await RunAsync(plan);
        Assert.True(run.ExitCode == 0, run.StandardError);
        string hash = Convert.ToHexString(SHA256.HashData("distill"u8)).ToLowerInvariant();
        Assert.Equal($"sha256={hash} roots=some month=mars\n", run.StandardOutput);
    }

    [Fact]
    public void The_caller_can_say_invariant_and_no_tls()
    {
        var plan = Plan(apps.WorldlyAot, PublishProfile.Aot, o => o with { InvariantGlobalization = true, Tls = TlsMode.Never });

        Assert.DoesNotContain(plan.Entries, e => e.Path.Contains("libicu", StringComparison.Ordinal) || e.Path.Contains("libssl", StringComparison.Ordinal) || e.Path.StartsWith("etc/ssl", StringComparison.Ordinal));
        Assert.Contains("TLS: OpenSSL and CA certificates left out (--tls never)", plan.Decisions);
        Assert.Contains("ICU: not needed, globalization is invariant (InvariantGlobalization=true given by the caller)", plan.Decisions);
    }

    [Fact]
    public async Task A_trimmed_self_contained_app_drops_what_does_not_run_and_still_runs()
    {
        var plan = Plan(apps.SelfContained, PublishProfile.SelfContained);

        var dropped = plan.Dropped.ToDictionary(d => d.Path, d => d.Reason);
        Assert.Equal("test framework or test assembly", dropped["xunit.assert.dll"]);
        Assert.Equal("debug symbols (PDB)", dropped["managed.pdb"]);
        Assert.StartsWith("crash-dump writer", dropped["createdump"]);
        Assert.StartsWith("standalone GC", dropped["libclrgc.so"]);
        Assert.StartsWith("standalone GC", dropped["libclrgcexp.so"]);
        Assert.StartsWith("LTTng trace provider", dropped["libcoreclrtraceptprovider.so"]);
        Assert.StartsWith("debugger and crash-dump support", dropped["libmscordaccore.so"]);
        Assert.StartsWith("debugger and crash-dump support", dropped["libmscordbi.so"]);
        Assert.StartsWith("unused native library", dropped["libSystem.Security.Cryptography.Native.OpenSsl.so"]);
        Assert.StartsWith("unused native library", dropped["libSystem.Net.Security.Native.so"]);
        var published = Directory.EnumerateFiles(apps.SelfContained).Select(Path.GetFileName).OfType<string>().ToHashSet();
        var kept = plan.Entries.Where(e => e.Layer == RootFsLayer.Application && e.Kind == RootFsEntryKind.File)
            .Select(e => e.Path["app/".Length..]).ToHashSet();
        Assert.Equal(published.Order(StringComparer.Ordinal), kept.Concat(dropped.Keys).Order(StringComparer.Ordinal));
        foreach (var name in new[] { "managed", "managed.dll", "managed.deps.json", "managed.runtimeconfig.json", "libcoreclr.so",
            "libclrjit.so", "libhostfxr.so", "libhostpolicy.so", "libSystem.Native.so", "System.Private.CoreLib.dll" })
        {
            Assert.Contains(name, kept);
        }
        Assert.All(published.Where(n => n.EndsWith(".dll", StringComparison.Ordinal) && n != "xunit.assert.dll"), n => Assert.Contains(n, kept));
        Assert.StartsWith("P/Invoke target of app/System.", plan.Entries.Single(e => e.Path == "app/libSystem.Native.so").Reason);
        Assert.Contains("usr/lib/x86_64-linux-gnu/libstdc++.so.6", SystemFiles(plan));
        Assert.Equal(["/app/managed"], plan.Entrypoint);

        var run = await RunAsync(plan);
        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.StartsWith("Hello from self-contained 10.", run.StandardOutput);
    }

    [Fact]
    public void A_framework_dependent_app_runs_with_dotnet_and_leaves_runtime_and_libraries_to_the_base()
    {
        var plan = Plan(apps.FrameworkDependent, PublishProfile.Framework);

        Assert.Equal(["dotnet", "/app/shared.dll"], plan.Entrypoint);
        Assert.Equal(["etc/group", "etc/nsswitch.conf", "etc/passwd"], SystemFiles(plan));
        Assert.Equal(
        [
            "shared: apphost: the entrypoint is dotnet /app/shared.dll with the base image's runtime",
            "shared.pdb: debug symbols (PDB)",
        ], plan.Dropped.Select(d => $"{d.Path}: {d.Reason}"));
        Assert.Contains("ICU and OpenSSL are the base image's business (framework profile): not added", plan.Decisions);
        var wrongProfile = Assert.Throws<ReduceException>(() => Plan(apps.FrameworkDependent, PublishProfile.SelfContained));
        Assert.Equal("shared.runtimeconfig.json is framework-dependent: the publish folder is not self-contained (use the framework profile)", wrongProfile.Message);
    }
}
