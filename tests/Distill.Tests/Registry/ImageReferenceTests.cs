using Distill.Registry;

namespace Distill.Tests.Registry;

public class ImageReferenceTests
{
    [Theory]
    [InlineData("debian", "docker.io", "library/debian", "latest", "docker.io/library/debian:latest")]
    [InlineData("debian:bookworm", "docker.io", "library/debian", "bookworm", "docker.io/library/debian:bookworm")]
    [InlineData("team/app:1.0", "docker.io", "team/app", "1.0", "docker.io/team/app:1.0")]
    [InlineData("127.0.0.1:5000/distill/demo:1.0", "127.0.0.1:5000", "distill/demo", "1.0", "127.0.0.1:5000/distill/demo:1.0")]
    [InlineData("localhost/demo", "localhost", "demo", "latest", "localhost/demo:latest")]
    [InlineData("localhost:5000/a/b/c", "localhost:5000", "a/b/c", "latest", "localhost:5000/a/b/c:latest")]
    [InlineData("ghcr.io/owner/image:v1.2.3", "ghcr.io", "owner/image", "v1.2.3", "ghcr.io/owner/image:v1.2.3")]
    [InlineData("index.docker.io/library/alpine", "docker.io", "library/alpine", "latest", "docker.io/library/alpine:latest")]
    [InlineData("[::1]:5000/x:y", "[::1]:5000", "x", "y", "[::1]:5000/x:y")]
    public void Parses_like_docker(string text, string registry, string repository, string tag, string formatted)
    {
        var reference = ImageReference.Parse(text);
        Assert.Equal(registry, reference.Registry);
        Assert.Equal(repository, reference.Repository);
        Assert.Equal(tag, reference.Tag);
        Assert.Null(reference.Digest);
        Assert.Equal(formatted, reference.ToString());
        Assert.Equal(reference, ImageReference.Parse(reference.ToString()));
    }

    [Fact]
    public void Digest_references_address_the_manifest_by_digest()
    {
        const string digest = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        var reference = ImageReference.Parse("127.0.0.1:5000/app@" + digest);
        Assert.Null(reference.Tag);
        Assert.Equal(digest, reference.ManifestReference);
        var tagged = ImageReference.Parse("127.0.0.1:5000/app:1@" + digest);
        Assert.Equal("1", tagged.Tag);
        Assert.Equal(digest, tagged.ManifestReference);
        Assert.Equal("registry-1.docker.io", ImageReference.Parse("alpine").ApiHost);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("team/UPPER", "repository")]
    [InlineData("app:bad tag", "spaces")]
    [InlineData("app:-x", "tag")]
    [InlineData("app@sha256:1234", "digest")]
    [InlineData("a..b/c", "registry")]
    [InlineData("team/a..b", "repository")]
    [InlineData("host:port:x/app", "registry")]
    public void Refuses_invalid_references_with_the_reason(string text, string reason)
    {
        var error = Assert.Throws<RegistryException>(() => ImageReference.Parse(text));
        Assert.StartsWith($"invalid image reference '{text}'", error.Message);
        Assert.Contains(reason, error.Message);
    }
}
