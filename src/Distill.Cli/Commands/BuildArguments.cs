using System.CommandLine;
using Distill.Oci;
using Distill.Pipeline;
using Distill.Publish;
using Distill.Reduce;

namespace Distill.Cli.Commands;

/// <summary>The options of `distill build`, shared with `distill up` which builds first.</summary>
internal sealed class BuildArguments
{
    public Argument<string?> Project { get; } = new("PROJECT") { Description = "Project file or folder (default: the embedded demo server)", Arity = ArgumentArity.ZeroOrOne };
    public Option<string> Profile { get; } = Choice("--profile", "How to publish: aot (Native AOT), self-contained (trimmed), framework (runtime from --base)", "aot", "self-contained", "framework");
    public Option<string?> Tag { get; } = new("--tag", "-t") { Description = "Image name and tag, e.g. demo:1.0 (default: the program's name, :latest)" };
    public Option<string?> Output { get; } = new("--output", "-o") { Description = "Where to write the image (default: out/NAME-TAG.oci.tar)" };
    public Option<string> Format { get; } = Choice("--format", "Output format", "oci-archive", "oci-layout", "docker-archive");
    public Option<string> Compression { get; } = Choice("--compression", "Layer compression", "gzip", "zstd");
    public Option<string?> Base { get; } = new("--base") { Description = "Base image: a registry reference or an oci-archive, docker-archive or OCI layout path (required by --profile framework)" };
    public Option<string[]> Include { get; } = new("--include") { Description = "Add a file or folder of the system root, relative to it (e.g. usr/share/zoneinfo), with the libraries it needs", AllowMultipleArgumentsPerToken = false };
    public Option<string> Sysroot { get; } = new("--sysroot") { Description = "Take system files from this root", DefaultValueFactory = _ => "/" };
    public Option<string> Tls { get; } = Choice("--tls", "Add OpenSSL and CA certificates: auto (when the app uses TLS), always, never", "auto", "always", "never");
    public Option<int> ContainerPort { get; } = new("--container-port") { Description = "The port the server listens on in the container", DefaultValueFactory = _ => 8080 };
    public Option<string[]> Property { get; } = new("--property", "-p") { Description = "Extra MSBuild property for the publish, NAME=VALUE" };
    public Option<string[]> Label { get; } = new("--label") { Description = "Extra image label, NAME=VALUE" };
    public Option<string> OutputRoot { get; } = new("--out-dir") { Description = "Folder for default outputs and working files", DefaultValueFactory = _ => "out" };

    public void AddTo(Command command)
    {
        command.Arguments.Add(Project);
        foreach (var option in new Option[] { Profile, Tag, Output, Format, Compression, Base, Include, Sysroot, Tls, ContainerPort, Property, Label, OutputRoot })
            command.Options.Add(option);
    }

    public BuildOptions ToOptions(ParseResult parse, RegistryArguments registry, string? pushTo)
    {
        PublishProfiles.TryParse(parse.GetValue(Profile)!, out var profile);
        ImageOutputs.TryParse(parse.GetValue(Format)!, out var format);
        return new BuildOptions
        {
            Project = parse.GetValue(Project),
            Profile = profile,
            Tag = parse.GetValue(Tag),
            OutputPath = parse.GetValue(Output),
            Format = format,
            Compression = parse.GetValue(Compression) == "zstd" ? LayerCompression.Zstd : LayerCompression.Gzip,
            Base = parse.GetValue(Base),
            Includes = parse.GetValue(Include) ?? [],
            Sysroot = parse.GetValue(Sysroot)!,
            Tls = TlsFrom(parse.GetValue(Tls)),
            Port = parse.GetValue(ContainerPort),
            PublishProperties = Pairs(parse.GetValue(Property), "--property"),
            Labels = Pairs(parse.GetValue(Label), "--label"),
            OutputRoot = parse.GetValue(OutputRoot)!,
            Created = BuildOptions.CreatedFromEnvironment(),
            Registry = registry.ToOptions(parse),
            PushTo = pushTo,
        };
    }

    private static Dictionary<string, string> Pairs(string[]? values, string option)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in values ?? [])
        {
            var equals = value.IndexOf('=');
            if (equals <= 0)
                throw new DistillException($"{option} takes NAME=VALUE, got '{value}'");
            pairs[value[..equals]] = value[(equals + 1)..];
        }
        return pairs;
    }

    /// <summary>The --tls values (auto, always, never) as the reduce stage's mode.</summary>
    public static TlsMode TlsFrom(string? value) => value switch { "always" => TlsMode.Always, "never" => TlsMode.Never, _ => TlsMode.Auto };

    /// <summary>An option that takes one of <paramref name="values"/>, the first being the default.</summary>
    public static Option<string> Choice(string name, string description, params string[] values)
    {
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => values[0] };
        option.AcceptOnlyFromAmong(values);
        return option;
    }
}
