using System.CommandLine;
using Distill.Cli.Output;

namespace Distill.Cli.Commands;

/// <summary>`distill build`: publish, reduce and pack a .NET server into a minimal OCI image, without a container engine.</summary>
internal static class BuildCommand
{
    public static Command Create()
    {
        var build = new BuildArguments();
        var registry = new RegistryArguments();
        var push = new Option<string?>("--push") { Description = "Also push the image to this registry reference" };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON on stdout" };
        var command = new Command("build", "Publish, reduce and pack a .NET server into a minimal, reproducible OCI image (no container engine needed)");
        build.AddTo(command);
        registry.AddTo(command);
        command.Options.Add(push);
        command.Options.Add(json);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async ct =>
        {
            var result = await BuildRunner.RunAsync(build.ToOptions(parse, registry, parse.GetValue(push)), ct);
            if (parse.GetValue(json))
                BuildSummary.PrintJson(result);
            else
                BuildSummary.Print(result);
            return CommandRunner.Success;
        }, cancellationToken));
        return command;
    }
}
