using System.Diagnostics;
using System.Text;

namespace Distill.Tests.Support;

/// <summary>
/// Debian's docker-registry (distribution 2.8) on 127.0.0.1 with an ephemeral port, its storage in a temporary
/// directory, and either no authentication, htpasswd (bcrypt) basic authentication, or token authentication against
/// a token service whose certificate bundle is given. Stopped and deleted on dispose.
/// </summary>
public sealed class RegistryServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _directory;
    private readonly StringBuilder _log;

    private RegistryServer(Process process, TempDirectory directory, int port, StringBuilder log)
    {
        _process = process;
        _directory = directory;
        Port = port;
        _log = log;
    }

    public int Port { get; }

    /// <summary>host:port as image references name it.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public string Log
    {
        get
        {
            lock (_log) return _log.ToString();
        }
    }

    public static Task<RegistryServer> StartWithHtpasswdAsync(string user, string password) =>
        StartAsync(async directory =>
        {
            var htpasswd = await ProcessRunner.RunCheckedAsync("htpasswd", "-Bbn", user, password);
            var path = directory.Combine("htpasswd");
            await File.WriteAllTextAsync(path, htpasswd.StandardOutput.Trim() + "\n");
            return $"""
                    auth:
                      htpasswd:
                        realm: distill-test
                        path: {path}
                    """;
        });

    public static Task<RegistryServer> StartWithTokenAuthAsync(string realm, string service, string issuer, string rootCertificatePem) =>
        StartAsync(async directory =>
        {
            var bundle = directory.Combine("token-root.pem");
            await File.WriteAllTextAsync(bundle, rootCertificatePem);
            return $"""
                    auth:
                      token:
                        realm: {realm}
                        service: {service}
                        issuer: {issuer}
                        rootcertbundle: {bundle}
                    """;
        });

    public static Task<RegistryServer> StartAnonymousAsync() => StartAsync(_ => Task.FromResult(""));

    private static async Task<RegistryServer> StartAsync(Func<TempDirectory, Task<string>> authSection)
    {
        var directory = new TempDirectory("distill-registry");
        try
        {
            var auth = await authSection(directory);
            for (var attempt = 1; ; attempt++)
            {
                var port = FreePort.Pick();
                var config = directory.Combine("config.yml");
                await File.WriteAllTextAsync(config, $"""
                    version: 0.1
                    log:
                      level: info
                      accesslog:
                        disabled: true
                    storage:
                      filesystem:
                        rootdirectory: {directory.Combine("data")}
                      delete:
                        enabled: true
                    http:
                      addr: 127.0.0.1:{port}
                      secret: distill-test-secret
                    {auth}
                    """);
                var log = new StringBuilder();
                var info = new ProcessStartInfo("docker-registry") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
                info.ArgumentList.Add("serve");
                info.ArgumentList.Add(config);
                var process = Process.Start(info)!;
                process.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
                process.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                if (await WaitForPortAsync(process, port)) return new RegistryServer(process, directory, port, log);
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                process.Dispose();
                if (attempt == 5) throw new InvalidOperationException("docker-registry did not start: " + log);
            }
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>Waits until our process answers the registry API on the port (not some other process that took it).</summary>
    private static async Task<bool> WaitForPortAsync(Process process, int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) return false;
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{port}/v2/");
                if (response.Headers.Contains("Docker-Distribution-Api-Version") && !process.HasExited) return true;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(50);
        }
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _directory.Dispose();
    }
}
