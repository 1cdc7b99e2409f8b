using System.Text;
using Distill.Oci;

namespace Distill.Tests.Oci;

public class DigestTests
{
    [Fact]
    public void Compute_matches_sha256sum_of_the_same_bytes()
    {
        // sha256 of "abc" (FIPS 180-2 test vector).
        var digest = Digest.Compute(Encoding.ASCII.GetBytes("abc"));
        Assert.Equal("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", digest.ToString());
        Assert.Equal(digest, Digest.Parse(digest.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("sha256:")]
    [InlineData("sha512:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")]
    [InlineData("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a")]
    [InlineData("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015adx")]
    [InlineData("sha256:../../../../etc/passwd0000000000000000000000000000000000000000")]
    public void Parse_refuses_anything_but_sha256_lowercase_hex(string text)
    {
        Assert.False(Digest.TryParse(text, out _));
        var error = Assert.Throws<OciException>(() => Digest.Parse(text));
        Assert.Contains("invalid digest", error.Message);
    }
}
