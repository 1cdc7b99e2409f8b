using System.CommandLine;
using Distill.Cli.Output;
using Distill.Pipeline;
using Distill.Publish;
using Distill.Reduce;

namespace Distill.Cli.Commands;

/// <summary>
/// `distill reduce`: the reduce stage on its own. Writes the minimal root file system of a publish folder into a
/// directory, for a Containerfile's build stage to COPY into a FROM scratch image.
/// </summary>
internal static class ReduceCommand
{
    public static Command Create()
    {
        var publish = new Argument<string>("PUBLISH_DIR") { Description = "A dotnet publish output folder" };
        var output = new Option<string>("--output", "-o") { Description = "The root file system folder to write (must not exist or be empty)", Required = true };
        var profile = BuildArguments.Choice("--profile", "How the folder was published", "aot", "self-contained", "framework");
        var include = new Option<string[]>("--include") { Description = "Add a file or folder of the system root, relative to it, with the libraries it needs" };
        var exclude = new Option<string[]>("--exclude") { Description = "Leave out publish-folder files (relative paths, * and ? wildcards)" };
        var keep = new Option<string[]>("--keep") { Description = "Keep publish-folder files a rule would drop (relative paths, wildcards)" };
        var sysroot = new Option<string>("--sysroot") { Description = "Take system files from this root", DefaultValueFactory = _ => "/" };
        var tls = BuildArguments.Choice("--tls", "Add OpenSSL and CA certificates: auto, always, never", "auto", "always", "never");
        var main = new Option<string?>("--main") { Description = "The main program's file name, when the folder has several" };
        var invariant = new Option<bool?>("--invariant-globalization") { Description = "Whether the app was published with invariant globalization (default: read or detected)" };

        var command = new Command("reduce", "Write the minimal root file system a published .NET app needs (ELF closure, users, /tmp) into a folder")
        {
            publish, output, profile, include, exclude, keep, sysroot, tls, main, invariant,
        };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async ct =>
        {
            PublishProfiles.TryParse(parse.GetValue(profile)!, out var publishProfile);
            var plan = new RootFsPlanner().Plan(new ReduceOptions
            {
                PublishDirectory = parse.GetValue(publish)!,
                Profile = publishProfile,
                Sysroot = parse.GetValue(sysroot)!,
                Includes = parse.GetValue(include) ?? [],
                ExcludePaths = parse.GetValue(exclude) ?? [],
                KeepPaths = parse.GetValue(keep) ?? [],
                Tls = BuildArguments.TlsFrom(parse.GetValue(tls)),
                MainProgram = parse.GetValue(main),
                InvariantGlobalization = parse.GetValue(invariant),
            }, ct);
            var directory = parse.GetValue(output)!;
            await new RootFsWriter().WriteAsync(plan, directory, new RootFsWriterOptions { Timestamp = BuildOptions.CreatedFromEnvironment() }, ct);
            BuildSummary.PrintPlan(plan);
            Terminal.Line($"root file system: {Path.GetFullPath(directory)} ({plan.Entries.Count} entries, {Files.FormatBytes(plan.TotalSize)}); entrypoint {string.Join(' ', plan.Entrypoint)}, user {plan.User}");
            return CommandRunner.Success;
        }, cancellationToken));
        return command;
    }
}
