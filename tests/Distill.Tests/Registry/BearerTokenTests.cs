using System.Text.Json;
using Distill.Oci;
using Distill.Registry;
using Distill.Tests.Support;

namespace Distill.Tests.Registry;

/// <summary>Token authentication: docker-registry with `auth: token` trusting a token service started here.</summary>
public sealed class BearerTokenTests : IAsyncLifetime
{
    private const string User = "bob";
    private const string Password = "token-secret";
    private TokenServer _tokens = null!;
    private RegistryServer _registry = null!;
    private readonly TempDirectory _temp = new();

    public async Task InitializeAsync()
    {
        _tokens = await TokenServer.StartAsync(User, Password);
        _registry = await RegistryServer.StartWithTokenAuthAsync(_tokens.Realm, TokenServer.Service, TokenServer.Issuer, _tokens.CertificatePem);
    }

    public async Task DisposeAsync()
    {
        await _registry.DisposeAsync();
        await _tokens.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task Push_follows_the_challenge_gets_a_scoped_token_and_reuses_it()
    {
        var (image, _, _) = await TestImages.BuildAsync(new BlobStore(_temp.Combine("store")));
        var target = ImageReference.Parse($"{_registry.Address}/distill/token:1.0");
        using var client = new RegistryClient(new RegistryClientOptions { Insecure = true, Credentials = new RegistryCredentials(User, Password) });
        var result = await client.PushAsync(image, target, null, CancellationToken.None);
        Assert.Equal(image.ManifestDescriptor.Digest, result.Manifest.Digest);

        // One token for the push scope serves the 3 existence checks, 3 uploads and the manifest.
        Assert.Equal(["repository:distill/token:pull,push"], _tokens.RequestedScopes.ToArray());

        var pulled = await client.PullAsync(target, new BlobStore(_temp.Combine("pulled")), null, null, CancellationToken.None);
        Assert.Equal(image.ManifestDescriptor.Digest, pulled.ManifestDescriptor.Digest);
        Assert.Equal("repository:distill/token:pull", _tokens.RequestedScopes.Last());

        // skopeo, with its own token client, sees the same image.
        var inspect = await ProcessRunner.RunCheckedAsync("skopeo", "inspect", "--tls-verify=false", "--creds", $"{User}:{Password}", $"docker://{target}");
        Assert.Equal(image.ManifestDescriptor.Digest.ToString(), JsonDocument.Parse(inspect.StandardOutput).RootElement.GetProperty("Digest").GetString());
    }

    [Fact]
    public async Task A_wrong_password_is_refused_by_the_token_service_with_a_clear_error()
    {
        var (image, _, _) = await TestImages.BuildAsync(new BlobStore(_temp.Combine("store")));
        using var client = new RegistryClient(new RegistryClientOptions { Insecure = true, Credentials = new RegistryCredentials(User, "nope") });
        var error = await Assert.ThrowsAsync<RegistryException>(() =>
            client.PushAsync(image, ImageReference.Parse($"{_registry.Address}/distill/token:1.0"), null, CancellationToken.None));
        Assert.Equal($"authentication failed for {_registry.Address} as {User}: token service {_tokens.Realm} answered 401 Unauthorized", error.Message);
        Assert.Equal(1, _tokens.Refused);
    }
}
