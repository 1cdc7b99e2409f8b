using Distill.Tests.Support;

namespace Distill.EndToEnd.Tests.Support;

/// <summary>Debian's docker-registry on 127.0.0.1 (ephemeral port) with htpasswd basic authentication for one user.</summary>
public sealed class AuthRegistryFixture : IAsyncLifetime
{
    public const string User = "distill";

    public string Password { get; } = "pw-" + Guid.NewGuid().ToString("N")[..12];

    public RegistryServer Server { get; private set; } = null!;

    /// <summary>host:port, as image references name it.</summary>
    public string Address => Server.Address;

    public async Task InitializeAsync() => Server = await RegistryServer.StartWithHtpasswdAsync(User, Password);

    public async Task DisposeAsync()
    {
        if (Server is not null)
            await Server.DisposeAsync();
    }
}
