using Spectre.Console;

namespace Distill.Cli.Output;

/// <summary>Where the CLI writes: results to stdout, progress and errors to stderr, with colour only on a terminal.</summary>
internal static class Terminal
{
    /// <summary>Progress bars only when stderr is a terminal; otherwise plain lines that a log keeps.</summary>
    public static bool IsInteractive => !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("CI") is null;

    public static IAnsiConsole Out { get; } = Create(Console.Out, Console.IsOutputRedirected);

    public static IAnsiConsole Err { get; } = Create(Console.Error, Console.IsErrorRedirected);

    private static IAnsiConsole Create(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });
        // Redirected output has no width; a log or a pipe reads better with long lines than wrapped cells.
        if (redirected)
            console.Profile.Width = 200;
        return console;
    }

    // Plain writes, not Spectre's: Spectre wraps at the console width, and these lines must stay one line each.
    public static void Error(string message) => Console.Error.WriteLine($"distill: error: {OneLine(message)}");

    public static void Warning(string message) => Console.Error.WriteLine($"distill: warning: {OneLine(message)}");

    public static void Info(string message) => Console.Error.WriteLine(message);

    /// <summary>A result line on stdout, never wrapped (scripts read these).</summary>
    public static void Line(string text) => Console.Out.WriteLine(text);

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
