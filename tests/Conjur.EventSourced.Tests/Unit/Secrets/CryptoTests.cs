using System.Security.Cryptography;
using System.Text;
using Conjur.EventSourced.NodeAgent.Secrets.Authz;
using Conjur.EventSourced.NodeAgent.Secrets.Crypto;

namespace Conjur.EventSourced.Tests.Unit.Secrets;

public sealed class CryptoTests
{
    private readonly DataCipher _cipher = new(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void SealedValue_OpensWithTheSameBinding_AndHoldsNoPlaintext()
    {
        var value = Encoding.UTF8.GetBytes("correct horse battery staple");
        var sealedValue = _cipher.Seal(value, DataCipher.VariableBinding("acme:variable:db", 3));

        Encoding.UTF8.GetString(sealedValue).ShouldNotContain("horse");
        _cipher.Open(sealedValue, DataCipher.VariableBinding("acme:variable:db", 3)).ShouldBe(value);
    }

    [Fact]
    public void SameValueTwice_DifferentCiphertexts() =>
        _cipher.Seal([1, 2, 3], "a").ShouldNotBe(_cipher.Seal([1, 2, 3], "a"));

    [Fact]
    public void SealedValueMovedToAnotherVersionOrVariable_DoesNotOpen()
    {
        var sealedValue = _cipher.Seal([1, 2, 3], DataCipher.VariableBinding("acme:variable:db", 3));

        Should.Throw<CryptographicException>(() => _cipher.Open(sealedValue, DataCipher.VariableBinding("acme:variable:db", 4)));
        Should.Throw<CryptographicException>(() => _cipher.Open(sealedValue, DataCipher.VariableBinding("acme:variable:other", 3)));
        Should.Throw<CryptographicException>(() => new DataCipher(RandomNumberGenerator.GetBytes(32)).Open(sealedValue, DataCipher.VariableBinding("acme:variable:db", 3)));
    }

    [Fact]
    public void ApiKey_IsLongRandomLowerCase_AndOnlyItsHashMatches()
    {
        var key = ApiKeys.Generate();

        key.Length.ShouldBe(52);
        key.ShouldAllBe(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c));
        ApiKeys.Generate().ShouldNotBe(key);
        ApiKeys.Matches(key, ApiKeys.Hash(key)).ShouldBeTrue();
        ApiKeys.Matches(key + "x", ApiKeys.Hash(key)).ShouldBeFalse();
    }

    [Theory]
    [InlineData("acme", "admin", "acme:user:admin")]
    [InlineData("acme", "host/app", "acme:host:app")]
    [InlineData("acme", "host/prod/app", "acme:host:prod/app")]
    public void Login_MapsToRoleId(string account, string login, string role)
    {
        var id = ResourceId.FromLogin(account, login);

        id.ToString().ShouldBe(role);
        id.Login.ShouldBe(login);
    }

    [Theory]
    [InlineData("acme:variable:db/password", true)]
    [InlineData("acme:variable:a:b", true)]
    [InlineData("acme:variable:", false)]
    [InlineData("acme:spaceship:x", false)]
    [InlineData("nonsense", false)]
    public void ResourceIds_Parsed(string text, bool valid) => ResourceId.TryParse(text, out _).ShouldBe(valid);
}
