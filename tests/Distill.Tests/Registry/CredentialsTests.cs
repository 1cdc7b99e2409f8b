using System.Text;
using Distill.Registry;
using Distill.Tests.Support;

namespace Distill.Tests.Registry;

public class CredentialsTests
{
    [Fact]
    public async Task Docker_config_auths_are_found_by_registry_host_whatever_the_key_form()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("config.json");
        var alice = Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:pa:ss"));
        var bob = Convert.ToBase64String(Encoding.UTF8.GetBytes("bob:hunter2"));
        await File.WriteAllTextAsync(path, $$"""
            {
              "auths": {
                "127.0.0.1:5000": { "auth": "{{alice}}" },
                "https://index.docker.io/v1/": { "auth": "{{bob}}" },
                "http://localhost:6000/v2/": { "username": "carol", "password": "pw" },
                "empty.example": {}
              },
              "credsStore": "desktop"
            }
            """);
        var config = DockerConfigFile.Load(path);
        Assert.Equal(new RegistryCredentials("alice", "pa:ss"), config.Find("127.0.0.1:5000"));
        Assert.Equal(new RegistryCredentials("bob", "hunter2"), config.Find("docker.io"));
        Assert.Equal(new RegistryCredentials("carol", "pw"), config.Find("localhost:6000"));
        Assert.Null(config.Find("empty.example"));
        Assert.Null(config.Find("127.0.0.1:5001"));
        Assert.DoesNotContain("pa:ss", config.Find("127.0.0.1:5000")!.ToString());
    }

    [Fact]
    public async Task DOCKER_CONFIG_wins_over_the_home_directory()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.Combine("home", ".docker"));
        Directory.CreateDirectory(temp.Combine("custom"));
        await File.WriteAllTextAsync(temp.Combine("home", ".docker", "config.json"), """{"auths":{"r":{"username":"home","password":"x"}}}""");
        await File.WriteAllTextAsync(temp.Combine("custom", "config.json"), """{"auths":{"r":{"username":"custom","password":"x"}}}""");

        var fromHome = DockerConfigFile.FromEnvironment(_ => null, temp.Combine("home"));
        Assert.Equal("home", fromHome!.Find("r")!.Username);
        var fromVariable = DockerConfigFile.FromEnvironment(name => name == "DOCKER_CONFIG" ? temp.Combine("custom") : null, temp.Combine("home"));
        Assert.Equal("custom", fromVariable!.Find("r")!.Username);
        Assert.Null(DockerConfigFile.FromEnvironment(_ => null, temp.Combine("nowhere")));
    }

    [Fact]
    public async Task A_broken_docker_config_is_a_clear_error()
    {
        using var temp = new TempDirectory();
        await File.WriteAllTextAsync(temp.Combine("config.json"), "{ not json");
        var error = Assert.Throws<RegistryException>(() => DockerConfigFile.Load(temp.Combine("config.json")));
        Assert.Contains("is not valid JSON", error.Message);
        await File.WriteAllTextAsync(temp.Combine("config.json"), """{"auths":{"r":{"auth":"!!!"}}}""");
        error = Assert.Throws<RegistryException>(() => DockerConfigFile.Load(temp.Combine("config.json")));
        Assert.Contains("the auth entry for r is not base64", error.Message);
    }

    [Theory]
    [InlineData("""Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push" """, "Bearer", "https://auth.docker.io/token", "registry.docker.io", "repository:samalba/my-app:pull,push")]
    [InlineData("""Basic realm="distill-test" """, "Basic", "distill-test", null, null)]
    [InlineData("""bearer realm=http://127.0.0.1:1/token, service=svc""", "bearer", "http://127.0.0.1:1/token", "svc", null)]
    public void Challenges_are_parsed_with_commas_inside_quotes(string header, string scheme, string realm, string? service, string? scope)
    {
        var challenge = AuthChallenge.Parse(header)!;
        Assert.Equal(scheme, challenge.Scheme);
        Assert.Equal(realm, challenge.Realm);
        Assert.Equal(service, challenge.Service);
        Assert.Equal(scope, challenge.Scope);
    }
}
