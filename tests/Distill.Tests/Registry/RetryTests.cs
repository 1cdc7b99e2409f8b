using Distill.Oci;
using Distill.Registry;
using Distill.Tests.Support;

namespace Distill.Tests.Registry;

/// <summary>Transient failures: a proxy in front of the real registry answers 503 to the first requests.</summary>
public sealed class RetryTests : IAsyncLifetime
{
    private RegistryServer _registry = null!;
    private FlakyProxy _proxy = null!;
    private readonly TempDirectory _temp = new();

    public async Task InitializeAsync()
    {
        _registry = await RegistryServer.StartAnonymousAsync();
        _proxy = await FlakyProxy.StartAsync(_registry.Address);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _registry.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task Push_and_pull_succeed_after_503s_with_backoff()
    {
        var (image, _, _) = await TestImages.BuildAsync(new BlobStore(_temp.Combine("store")));
        var target = ImageReference.Parse($"{_proxy.Address}/distill/retry:1.0");
        using var client = new RegistryClient(new RegistryClientOptions
        {
            Insecure = true,
            Retry = new RetryPolicy { MaxAttempts = 5, InitialDelay = TimeSpan.FromMilliseconds(50) },
        });

        _proxy.FailNext(3);
        var result = await client.PushAsync(image, target, null, CancellationToken.None);
        Assert.Equal(image.ManifestDescriptor.Digest, result.Manifest.Digest);
        Assert.Equal(3, _proxy.Failed);

        _proxy.FailNext(2);
        var pulled = await client.PullAsync(target, new BlobStore(_temp.Combine("pulled")), null, null, CancellationToken.None);
        Assert.Equal(image.ManifestDescriptor.Digest, pulled.ManifestDescriptor.Digest);
        Assert.Equal(5, _proxy.Failed);
    }

    [Fact]
    public async Task Retries_are_bounded_and_the_error_names_the_last_failure()
    {
        var (image, _, _) = await TestImages.BuildAsync(new BlobStore(_temp.Combine("store")));
        using var client = new RegistryClient(new RegistryClientOptions
        {
            Insecure = true,
            Retry = new RetryPolicy { MaxAttempts = 3, InitialDelay = TimeSpan.FromMilliseconds(20) },
        });
        _proxy.FailNext(100);
        var error = await Assert.ThrowsAsync<RegistryException>(() =>
            client.PushAsync(image, ImageReference.Parse($"{_proxy.Address}/distill/retry:2"), null, CancellationToken.None));
        // The first request is a HEAD (no body to quote).
        Assert.Equal($"registry {_proxy.Address} failed to check blob {image.Manifest.Config.Digest} in distill/retry: 503 Service Unavailable (after 3 attempts)", error.Message);
        Assert.Equal(3, _proxy.Failed);

        // The time bound stops retrying before the count does.
        _proxy.FailNext(100);
        using var impatient = new RegistryClient(new RegistryClientOptions
        {
            Insecure = true,
            Retry = new RetryPolicy { MaxAttempts = 100, InitialDelay = TimeSpan.FromMilliseconds(100), MaxElapsed = TimeSpan.FromMilliseconds(250) },
        });
        await Assert.ThrowsAsync<RegistryException>(() =>
            impatient.PushAsync(image, ImageReference.Parse($"{_proxy.Address}/distill/retry:3"), null, CancellationToken.None));
        Assert.InRange(_proxy.Failed, 4, 6);
    }
}
