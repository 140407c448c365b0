using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Conjur.EventSourced.NodeAgent.Secrets.Tokens;

namespace Conjur.EventSourced.Tests.Unit.Secrets;

public sealed class AccessTokenTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void IssuedToken_HasConjursShape_AndVerifiesOnAnotherNodeWithTheSameKey()
    {
        var token = AccessToken.Issue("acme", "host/app", Key, Now);

        using var doc = JsonDocument.Parse(token);
        doc.RootElement.EnumerateObject().Select(p => p.Name).ShouldBe(["protected", "payload", "signature"]);
        var claims = AccessToken.Verify(token, Key.ToArray(), Now.AddMinutes(7)).ShouldNotBeNull();
        claims.Account.ShouldBe("acme");
        claims.Login.ShouldBe("host/app");
        (claims.ExpiresAt - claims.IssuedAt).ShouldBe(TimeSpan.FromMinutes(8));
    }

    [Fact]
    public void ExpiredToken_Refused() =>
        AccessToken.Verify(AccessToken.Issue("acme", "admin", Key, Now), Key, Now.AddMinutes(8).AddSeconds(1)).ShouldBeNull();

    [Fact]
    public void TokenSignedWithAnotherKey_Refused() =>
        AccessToken.Verify(AccessToken.Issue("acme", "admin", RandomNumberGenerator.GetBytes(32), Now), Key, Now).ShouldBeNull();

    [Fact]
    public void TamperedPayload_Refused()
    {
        var token = JsonSerializer.Deserialize<Dictionary<string, string>>(AccessToken.Issue("acme", "host/app", Key, Now))!;
        var other = JsonSerializer.Deserialize<Dictionary<string, string>>(AccessToken.Issue("acme", "admin", Key, Now))!;
        token["payload"] = other["payload"];

        AccessToken.Verify(JsonSerializer.Serialize(token), Key, Now).ShouldBeNull();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer abc")]
    [InlineData("Token token=\"%%%\"")]
    public void MalformedAuthorizationHeader_GivesNoToken(string? header) =>
        AccessToken.FromAuthorizationHeader(header).ShouldBeNull();

    [Fact]
    public void AuthorizationHeader_CarriesTheBase64Token()
    {
        var token = AccessToken.Issue("acme", "admin", Key, Now);
        var header = $"Token token=\"{Convert.ToBase64String(Encoding.UTF8.GetBytes(token))}\"";

        AccessToken.FromAuthorizationHeader(header).ShouldBe(token);
    }
}
