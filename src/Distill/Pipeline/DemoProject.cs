using System.Reflection;
using System.Security.Cryptography;

namespace Distill.Pipeline;

/// <summary>
/// The demo server ships inside this library as embedded sources, so `distill build` with no project works anywhere
/// the tool is installed. It is extracted once per content hash into the user's cache, where its build state stays.
/// </summary>
public static class DemoProject
{
    private const string Prefix = "DemoProject/";

    public static async Task<string> ExtractAsync(string cacheDirectory, CancellationToken cancellationToken)
    {
        var assembly = typeof(DemoProject).Assembly;
        var names = assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        if (!names.Any(n => n.EndsWith(".csproj", StringComparison.Ordinal)))
            throw new DistillException("this build of distill carries no demo server; name a project to build");

        var target = Path.Combine(cacheDirectory, "demo-server", ContentHash(assembly, names));
        var project = Path.Combine(target, "DemoServer", "DemoServer.csproj");
        if (File.Exists(project))
            return project;

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temporary = target + $".{Environment.ProcessId}.tmp";
        try
        {
            foreach (var name in names)
            {
                var path = Path.Combine(temporary, name[Prefix.Length..]);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await using var source = assembly.GetManifestResourceStream(name)!;
                await using var file = File.Create(path);
                await source.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }
            Directory.Move(temporary, target);
        }
        catch (IOException) when (File.Exists(project))
        {
            // Another build extracted the same content at the same time.
        }
        finally
        {
            if (Directory.Exists(temporary))
                Directory.Delete(temporary, recursive: true);
        }
        return project;
    }

    private static string ContentHash(Assembly assembly, IReadOnlyList<string> names)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var name in names)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(name + "\n"));
            using var stream = assembly.GetManifestResourceStream(name)!;
            var buffer = new byte[8192];
            int read;
            while ((read = stream.Read(buffer)) > 0)
                hash.AppendData(buffer.AsSpan(0, read));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}
