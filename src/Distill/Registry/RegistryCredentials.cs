using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Distill.Registry;

/// <summary>A user name and password (or token) for a registry. ToString never shows the password.</summary>
public sealed record RegistryCredentials(string Username, string Password)
{
    public override string ToString() => $"{Username} (password hidden)";

    internal string BasicHeaderValue => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password}"));
}

/// <summary>
/// Credentials from a Docker client config file (what `docker login` and `podman login --authfile` write): the
/// "auths" map, keyed by registry host or URL, with a base64 "user:password" in "auth" or separate "username" and
/// "password". Credential helpers ("credsStore", "credHelpers") are not run.
/// </summary>
public sealed class DockerConfigFile
{
    private readonly Dictionary<string, RegistryCredentials> _byRegistry;

    private DockerConfigFile(string path, Dictionary<string, RegistryCredentials> byRegistry)
    {
        Path = path;
        _byRegistry = byRegistry;
    }

    public string Path { get; }

    /// <summary>The config file Docker uses: $DOCKER_CONFIG/config.json, else ~/.docker/config.json; null if absent.</summary>
    public static DockerConfigFile? FromEnvironment() =>
        FromEnvironment(Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    internal static DockerConfigFile? FromEnvironment(Func<string, string?> getVariable, string home)
    {
        var directory = getVariable("DOCKER_CONFIG");
        var path = string.IsNullOrEmpty(directory)
            ? System.IO.Path.Combine(home, ".docker", "config.json")
            : System.IO.Path.Combine(directory, "config.json");
        return File.Exists(path) ? Load(path) : null;
    }

    public static DockerConfigFile Load(string path)
    {
        DockerConfigJson? json;
        try
        {
            using var stream = File.OpenRead(path);
            json = JsonSerializer.Deserialize(stream, RegistryJsonContext.Default.DockerConfigJson);
        }
        catch (JsonException e)
        {
            throw new RegistryException($"docker config '{path}' is not valid JSON: {e.Message.Split('\n')[0]}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RegistryException($"cannot read docker config '{path}': {e.Message}", e);
        }
        var byRegistry = new Dictionary<string, RegistryCredentials>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, entry) in json?.Auths ?? [])
        {
            var credentials = Decode(entry, key, path);
            if (credentials is not null) byRegistry[NormalizeRegistry(key)] = credentials;
        }
        return new DockerConfigFile(path, byRegistry);
    }

    /// <summary>The credentials stored for a registry host (e.g. "127.0.0.1:5000", "docker.io"), or null.</summary>
    public RegistryCredentials? Find(string registry) => _byRegistry.GetValueOrDefault(NormalizeRegistry(registry));

    private static RegistryCredentials? Decode(DockerAuthEntry entry, string key, string path)
    {
        if (!string.IsNullOrEmpty(entry.Auth))
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(entry.Auth));
            }
            catch (FormatException e)
            {
                throw new RegistryException($"docker config '{path}': the auth entry for {key} is not base64", e);
            }
            var colon = decoded.IndexOf(':');
            if (colon <= 0) throw new RegistryException($"docker config '{path}': the auth entry for {key} is not base64 of user:password");
            return new RegistryCredentials(decoded[..colon], decoded[(colon + 1)..]);
        }
        return !string.IsNullOrEmpty(entry.Username) && entry.Password is not null ? new RegistryCredentials(entry.Username, entry.Password) : null;
    }

    /// <summary>"https://index.docker.io/v1/" → "docker.io"; "http://127.0.0.1:5000/v2" → "127.0.0.1:5000".</summary>
    internal static string NormalizeRegistry(string key)
    {
        var host = key;
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) host = host[(scheme + 3)..];
        var slash = host.IndexOf('/');
        if (slash >= 0) host = host[..slash];
        return host.ToLowerInvariant() switch
        {
            "index.docker.io" or "registry-1.docker.io" or "registry.hub.docker.com" => ImageReference.DockerHub,
            var other => other,
        };
    }
}

internal sealed record DockerConfigJson
{
    [JsonPropertyName("auths")] public Dictionary<string, DockerAuthEntry>? Auths { get; init; }
}

internal sealed record DockerAuthEntry
{
    [JsonPropertyName("auth")] public string? Auth { get; init; }
    [JsonPropertyName("username")] public string? Username { get; init; }
    [JsonPropertyName("password")] public string? Password { get; init; }
}

internal sealed record TokenResponse
{
    [JsonPropertyName("token")] public string? Token { get; init; }
    [JsonPropertyName("access_token")] public string? AccessToken { get; init; }
    [JsonPropertyName("expires_in")] public int? ExpiresIn { get; init; }
}

internal sealed record RegistryErrorResponse
{
    [JsonPropertyName("errors")] public List<RegistryError>? Errors { get; init; }
}

internal sealed record RegistryError
{
    [JsonPropertyName("code")] public string? Code { get; init; }
    [JsonPropertyName("message")] public string? Message { get; init; }
}

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, AllowTrailingCommas = true, ReadCommentHandling = JsonCommentHandling.Skip)]
[JsonSerializable(typeof(DockerConfigJson))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(RegistryErrorResponse))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext;
