using Conjur.EventSourced.NodeAgent.Secrets.Authz;

namespace Conjur.EventSourced.Tests.Unit.Secrets;

public sealed class OriginRestrictionTests
{
    [Fact]
    public void Unrestricted_AnyAddressAllowed() => OriginRestriction.Allows([], "203.0.113.9").ShouldBeTrue();

    [Fact]
    public void InsideARange_Allowed() => OriginRestriction.Allows(["10.0.0.0/8", "192.168.1.0/24"], "192.168.1.77").ShouldBeTrue();

    [Fact]
    public void OutsideEveryRange_Refused() => OriginRestriction.Allows(["10.0.0.0/8"], "127.0.0.1").ShouldBeFalse();

    [Fact]
    public void IPv4MappedClient_MatchedAsIPv4() => OriginRestriction.Allows(["127.0.0.1/32"], "::ffff:127.0.0.1").ShouldBeTrue();

    [Fact]
    public void ClientAddressUnknown_RefusedWhenRestricted() => OriginRestriction.Allows(["127.0.0.1/32"], "unknown").ShouldBeFalse();

    [Fact]
    public void BareAddress_GetsItsFullMask() => OriginRestriction.Normalize("127.0.0.1", out _).ShouldBe("127.0.0.1/32");

    [Fact]
    public void BitsRightOfTheMask_RefusedWithTheNetworkMeant()
    {
        OriginRestriction.Normalize("10.1.2.3/8", out var error).ShouldBeNull();
        error.ShouldNotBeNull().ShouldContain("'10.0.0.0/8'");
    }

    [Theory]
    [InlineData("10")]
    [InlineData("10.0.0.0/33")]
    [InlineData("not-an-address")]
    [InlineData("fe80::1%eth0")]
    public void NotANetwork_Refused(string text) => OriginRestriction.Normalize(text, out _).ShouldBeNull();
}
