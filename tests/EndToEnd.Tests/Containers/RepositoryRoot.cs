namespace Distill.EndToEnd.Tests.Containers;

/// <summary>The repository the tests run from: the folder holding Distill.slnx above the test binaries.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Distill.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no Distill.slnx above {AppContext.BaseDirectory}");
    }
}
