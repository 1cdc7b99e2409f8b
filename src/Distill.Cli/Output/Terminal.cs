using Spectre.Console;

namespace Distill.Cli.Output;

/// <summary>Where the CLI writes: results to stdout, progress and errors to stderr, with colour only on a terminal.</summary>
internal static class Terminal
{
    /// <summary>Progress bars only when stderr is a terminal; otherwise plain lines that a log keeps.</summary>
    public static bool IsInteractive => !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("CI") is null;

    public static IAnsiConsole Out { get; } = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Console.Out),
        Ansi = Console.IsOutputRedirected ? AnsiSupport.No : AnsiSupport.Detect,
        ColorSystem = Console.IsOutputRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
    });

    public static IAnsiConsole Err { get; } = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Console.Error),
        Ansi = Console.IsErrorRedirected ? AnsiSupport.No : AnsiSupport.Detect,
        ColorSystem = Console.IsErrorRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
    });

    // Plain writes, not Spectre's: Spectre wraps at the console width, and these lines must stay one line each.
    public static void Error(string message) => Console.Error.WriteLine($"distill: error: {OneLine(message)}");

    public static void Warning(string message) => Console.Error.WriteLine($"distill: warning: {OneLine(message)}");

    public static void Info(string message) => Console.Error.WriteLine(message);

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
