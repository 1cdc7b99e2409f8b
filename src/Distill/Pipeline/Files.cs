using System.Globalization;

namespace Distill.Pipeline;

/// <summary>Small file-system figures for summaries.</summary>
public static class Files
{
    public static long DirectorySize(string directory) =>
        new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    public static int CountFiles(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Count();

    /// <summary>Megabytes of 10^6 bytes, as `podman image ls` prints sizes.</summary>
    public static string FormatBytes(long bytes) => bytes switch
    {
        < 1000 => $"{bytes} B",
        < 1000_000 => (bytes / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + " kB",
        _ => (bytes / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + " MB",
    };
}
