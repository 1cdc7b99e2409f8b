using System.CommandLine;
using Distill.Cli.Commands;

var root = new RootCommand("distill: publish a .NET server and pack exactly what it needs into a minimal, reproducible OCI image.");
root.Subcommands.Add(BuildCommand.Create());
root.Subcommands.Add(ReduceCommand.Create());
root.Subcommands.Add(PushCommand.Create());
root.Subcommands.Add(UpCommand.Create());
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(KubeCommand.Create());
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
