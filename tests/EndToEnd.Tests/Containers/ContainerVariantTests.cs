using RepositoryRoot = Distill.Tests.Support.RepositoryRoot;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Distill.Engine;
using Xunit.Abstractions;

namespace Distill.EndToEnd.Tests.Containers;

/// <summary>
/// The seed's workflow, literally, for each folder under containers/: build the Containerfile from the
/// repository root with podman (on STAND-IN base images, see <see cref="StandInBaseImages"/>), run it with a
/// published port, read /up, run its health check and version command, stop it, and remove all of it.
/// </summary>
[Collection(ContainerVariantsCollection.Name)]
public sealed partial class ContainerVariantOnStandInImagesTests(StandInBaseImages standIns, ITestOutputHelper output)
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan FirstAnswerLimit = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(2);
    private const int AppUid = 65532;

    [Fact]
    public Task PlainOneStage_BuildsOnStandInSdk_AnswersUp_StopsOnSigterm() =>
        CheckVariantAsync(new Variant("plain-1-stage", HasShell: true, NonRootUid: null, MaxImageBytes: null, BuildFrom: BuildFrom.RootWithFile));

    [Fact]
    public Task TrimmedTwoStage_BuildsOnStandInSdkAndDebian_AnswersUp_RunsAsNonRootReadOnly() =>
        CheckVariantAsync(new Variant("trimmed-2-stage", HasShell: true, NonRootUid: AppUid, MaxImageBytes: null, BuildFrom: BuildFrom.VariantFolder));

    [Fact]
    public Task AotTwoStage_BuildsOnStandInSdk_FromScratch_AtMost15MB_RunsAsNonRootReadOnly() =>
        CheckVariantAsync(new Variant("aot-2-stage", HasShell: false, NonRootUid: AppUid, MaxImageBytes: 15_000_000, BuildFrom: BuildFrom.RootDefault));

    /// <param name="NonRootUid">The uid the server must run as, or null when the variant runs as root as the seed's does.</param>
    /// <param name="MaxImageBytes">The limit the issue sets on the image size as podman reports it (10^6-byte MB).</param>
    public sealed record Variant(string Name, bool HasShell, int? NonRootUid, long? MaxImageBytes, BuildFrom BuildFrom);

    /// <summary>The three ways the READMEs give to build a variant; each variant is built one way, so all are tried.</summary>
    public enum BuildFrom
    {
        /// <summary><c>podman build -t NAME -f containers/VARIANT/Containerfile .</c> in the clone.</summary>
        RootWithFile,
        /// <summary><c>cd containers/VARIANT &amp;&amp; podman build -t NAME -f Containerfile ../..</c></summary>
        VariantFolder,
        /// <summary>The seed's command exactly as written, <c>podman build -t NAME .</c> in the clone: the root's
        /// Containerfile (and Dockerfile) link to this variant's.</summary>
        RootDefault,
    }

    private async Task CheckVariantAsync(Variant variant)
    {
        output.WriteLine($"Base images are local STAND-INS (no registry can be pulled from here):{Environment.NewLine}{standIns.Report}");
        Assert.True(standIns.Failure is null, standIns.Failure);

        var suffix = Guid.NewGuid().ToString("N")[..10];
        var image = $"localhost/distill-e2e-{variant.Name}:{suffix}";
        var containers = new List<string>();
        using var cancel = new CancellationTokenSource(BuildTimeout + TimeSpan.FromMinutes(3));
        var ct = cancel.Token;
        try
        {
            var buildTime = await BuildAsync(variant, image, ct);
            var bytes = long.Parse(await Podman.RunCheckedAsync(["image", "inspect", "--format", "{{.Size}}", image], ct), CultureInfo.InvariantCulture);
            var shown = await Podman.RunCheckedAsync(["image", "ls", "--format", "{{.Size}}", image], ct);
            output.WriteLine($"{variant.Name}: image {shown} as podman image ls shows it ({bytes:N0} bytes), built in {buildTime.TotalSeconds:0} s");
            if (variant.MaxImageBytes is { } max)
                Assert.True(bytes <= max, $"{variant.Name} image is {shown} ({bytes:N0} bytes); the limit is {max / 1_000_000} MB");

            var name = $"distill-e2e-{variant.Name}-{suffix}";
            containers.Add(name);
            var (startToFirst200, body) = await RunAndReadUpAsync(image, name, readOnly: false, ct);
            output.WriteLine($"{variant.Name}: podman run → first 200 on /up in {startToFirst200.TotalMilliseconds:0} ms: {body.TrimEnd()}");
            var up = UpLine().Match(body);
            Assert.True(up.Success, $"/up answered a line that is not Zinc-style: '{body}'");

            await CheckUserAsync(variant, name, ct);
            await CheckHealthCheckAsync(name, ct);
            await CheckVersionAsync(image, up.Groups["server"].Value, ct);
            if (variant.HasShell)
                Assert.Equal("shell ok", await Podman.RunCheckedAsync(["exec", name, "sh", "-c", "echo shell ok"], ct));

            await CheckStopsOnSigtermAsync(variant, name, ct);

            if (variant.NonRootUid is not null)
            {
                var readOnlyName = name + "-ro";
                containers.Add(readOnlyName);
                var (readOnlyStart, readOnlyBody) = await RunAndReadUpAsync(image, readOnlyName, readOnly: true, ct);
                Assert.Matches(UpLine(), readOnlyBody);
                output.WriteLine($"{variant.Name}: with --read-only, first 200 on /up in {readOnlyStart.TotalMilliseconds:0} ms");
            }
        }
        finally
        {
            foreach (var container in containers)
                await Podman.RunAsync(["rm", "-f", "-t", "0", container], CancellationToken.None);
            await Podman.RunAsync(["rmi", "-f", image], CancellationToken.None);
        }
    }

    /// <summary>The issue's build command, from the repository root; <c>--format docker</c> keeps the HEALTHCHECK
    /// (podman's default OCI format has no field for it), <c>--layers=false</c> keeps no intermediate images.</summary>
    private async Task<TimeSpan> BuildAsync(Variant variant, string image, CancellationToken ct)
    {
        var folder = $"containers/{variant.Name}";
        if (variant.BuildFrom == BuildFrom.RootDefault)
            Assert.Equal(Path.GetFullPath($"{folder}/Containerfile", RepositoryRoot.Path), ResolvedRootContainerfile());
        (string From, string[] How) build = variant.BuildFrom switch
        {
            BuildFrom.RootWithFile => ("", ["-f", $"{folder}/Containerfile", "."]),
            BuildFrom.VariantFolder => (folder, ["-f", "Containerfile", "../.."]),
            _ => ("", ["."]),
        };
        var stopwatch = Stopwatch.StartNew();
        var result = await Podman.RunProgramAsync("podman", ["build", "--layers=false", "--format", "docker", "-t", image, .. build.How], ct, build.From);
        stopwatch.Stop();
        if (result.Succeeded)
            return stopwatch.Elapsed;
        var log = result.StandardOutput + result.StandardError;
        output.WriteLine(Podman.Tail(log, 60));
        Assert.Fail($"podman build {string.Join(' ', build.How)} failed ({result.ExitCode}) after {stopwatch.Elapsed.TotalSeconds:0} s: {Podman.Tail(log, 8)}");
        return stopwatch.Elapsed;
    }

    /// <summary>Where the root's Containerfile and Dockerfile lead; both must be the same file.</summary>
    private static string ResolvedRootContainerfile()
    {
        string Resolve(string name) =>
            new FileInfo(Path.Combine(RepositoryRoot.Path, name)).ResolveLinkTarget(returnFinalTarget: true)?.FullName
            ?? throw new InvalidOperationException($"{name} at the repository root is not a link to a variant's Containerfile");
        var containerfile = Resolve("Containerfile");
        Assert.Equal(containerfile, Resolve("Dockerfile"));
        return containerfile;
    }

    /// <summary>Starts the image with its port 8080 published on a free loopback port, and waits for /up to answer 200.</summary>
    private static async Task<(TimeSpan StartToFirst200, string Body)> RunAndReadUpAsync(
        string image, string name, bool readOnly, CancellationToken ct)
    {
        var port = LoopbackPort.FindFree();
        var stopwatch = Stopwatch.StartNew();
        string[] options = readOnly ? ["--read-only"] : [];
        await Podman.RunCheckedAsync(["run", "-d", "--name", name, "-p", $"127.0.0.1:{port}:8080", .. options, image], ct);
        using var client = new HttpClient();
        var remaining = FirstAnswerLimit - stopwatch.Elapsed;
        ProbeResult answer;
        try
        {
            answer = await new HttpProbe(client).WaitForOkAsync(new Uri($"http://127.0.0.1:{port}/up"), remaining, ct);
        }
        catch (DistillException ex)
        {
            var logs = await Podman.RunAsync(["logs", name], CancellationToken.None);
            throw new InvalidOperationException($"{name}: {ex.Message}; container log: {Podman.Tail(logs.StandardOutput + logs.StandardError, 10)}");
        }
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return (stopwatch.Elapsed, answer.Body);
    }

    /// <summary>The real uid of the server process, read from the host's /proc (rootful podman: no user namespace).</summary>
    private async Task CheckUserAsync(Variant variant, string name, CancellationToken ct)
    {
        var pid = await Podman.RunCheckedAsync(["inspect", "--format", "{{.State.Pid}}", name], ct);
        var uidLine = (await File.ReadAllLinesAsync($"/proc/{pid}/status", ct)).Single(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        var uid = int.Parse(uidLine.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        output.WriteLine($"{variant.Name}: server runs as uid {uid}");
        if (variant.NonRootUid is { } expected)
            Assert.Equal(expected, uid);
    }

    /// <summary>The image's own HEALTHCHECK (the server's --healthcheck for the variants without curl).</summary>
    private static async Task CheckHealthCheckAsync(string name, CancellationToken ct)
    {
        var result = await Podman.RunAsync(["healthcheck", "run", name], ct);
        Assert.True(result.Succeeded, $"podman healthcheck run {name} failed ({result.ExitCode}): {Podman.Tail(result.StandardOutput + result.StandardError, 5)}");
    }

    /// <summary>The README's debugging command: the image prints the server's version string and exits.</summary>
    private static async Task CheckVersionAsync(string image, string serverString, CancellationToken ct)
    {
        var printed = await Podman.RunCheckedAsync(["run", "--rm", image, "--version"], ct);
        Assert.Equal(serverString, printed.Split('\n')[^1].Trim());
    }

    /// <summary>podman stop sends SIGTERM to PID 1 and waits up to 10 s before SIGKILL: the server must go on its own, fast.</summary>
    private async Task CheckStopsOnSigtermAsync(Variant variant, string name, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        await Podman.RunCheckedAsync(["stop", "-t", "10", name], ct);
        stopwatch.Stop();
        output.WriteLine($"{variant.Name}: podman stop took {stopwatch.Elapsed.TotalMilliseconds:0} ms");
        Assert.True(stopwatch.Elapsed < StopLimit, $"podman stop took {stopwatch.Elapsed.TotalSeconds:0.0} s (limit {StopLimit.TotalSeconds} s): SIGTERM not handled as PID 1?");
        Assert.Equal("false", await Podman.RunCheckedAsync(["inspect", "--format", "{{.State.Running}}", name], ct));
    }

    /// <summary>Zinc's /up line: server string, uptime in words, GC figures, UTC clock.</summary>
    [GeneratedRegex(@"^(?<server>\S.* \(\.NET/\d+\.\d+\.\d+\S*\)) up \d+ (day|hour|minute)s?( \d+ (hour|minute)s?)? \(allocated \d{1,3}(,\d{3})* bytes - \d{1,3}\.\d\d % free\) \[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\]\r?\n?$")]
    private static partial Regex UpLine();
}
