namespace Distill.Tests.Support;

/// <summary>The repository the tests run from: the folder holding Distill.slnx above the test binaries.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Distill.slnx"))) return directory.FullName;
        }
        throw new InvalidOperationException("cannot find the repository root (Distill.slnx) above " + AppContext.BaseDirectory);
    }
}
