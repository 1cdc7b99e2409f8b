namespace Distill.Tests.Support;

/// <summary>Small real .NET projects that tests write, publish or build.</summary>
public static class TestProjects
{
    /// <summary>Writes FOLDER/NAME.csproj (a net10.0 console program) and FOLDER/Program.cs; returns the folder.</summary>
    public static async Task<string> WriteConsoleAsync(string folder, string name, string program)
    {
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, name + ".csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(folder, "Program.cs"), program);
        return folder;
    }
}
