namespace Distill.Tests.Reduce;

/// <summary>A directory under /tmp that is removed when the test ends.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "distill-reduce-")
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
