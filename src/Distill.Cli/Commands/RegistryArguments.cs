using System.CommandLine;
using Distill.Registry;

namespace Distill.Cli.Commands;

/// <summary>How to reach a registry: shared by build (--base, --push), push and up.</summary>
internal sealed class RegistryArguments
{
    public Option<bool> Insecure { get; } = new("--insecure") { Description = "Plain HTTP to the registry (loopback registries only)" };
    public Option<string?> Username { get; } = new("--username", "-u") { Description = "Registry user (default: from ~/.docker/config.json)" };
    public Option<bool> PasswordStdin { get; } = new("--password-stdin") { Description = "Read the registry password from stdin" };
    public Option<string?> Password { get; } = new("--password") { Description = "Registry password (prefer --password-stdin: a command line is visible to other users)" };

    public void AddTo(Command command)
    {
        command.Options.Add(Insecure);
        command.Options.Add(Username);
        command.Options.Add(PasswordStdin);
        command.Options.Add(Password);
    }

    public RegistryClientOptions ToOptions(ParseResult parse)
    {
        var username = parse.GetValue(Username);
        var password = parse.GetValue(PasswordStdin) ? Console.In.ReadLine() ?? "" : parse.GetValue(Password);
        if (username is not null && password is null)
            throw new DistillException("--username needs --password-stdin or --password");
        if (username is null && password is not null)
            throw new DistillException("a password needs --username");
        return new RegistryClientOptions
        {
            Insecure = parse.GetValue(Insecure),
            Credentials = username is null ? null : new RegistryCredentials(username, password!),
            DockerConfig = DockerConfigFile.FromEnvironment(),
        };
    }
}
