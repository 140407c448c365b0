using Conjur.EventSourced.ControlPlane.Access;

namespace Conjur.EventSourced.Tests.Unit.Access;

/// <summary>The Host check against DNS rebinding: the control plane's own names on its port, and the configured extras.</summary>
public sealed class HostAllowListTests
{
    private static readonly HostAllowList Hosts = new("127.0.0.1", 17030, ["cp.internal", "proxy.example:8443"]);

    [Fact]
    public void OwnAddressAndPort_Allowed() => Hosts.Allows("127.0.0.1:17030").ShouldBeTrue();

    [Fact]
    public void Localhost_Allowed() => Hosts.Allows("localhost:17030").ShouldBeTrue();

    [Fact]
    public void LocalhostUpperCaseWithTrailingDot_Allowed() => Hosts.Allows("LOCALHOST.:17030").ShouldBeTrue();

    [Fact]
    public void OwnNameWithoutPort_Allowed() => Hosts.Allows("127.0.0.1").ShouldBeTrue();

    [Fact]
    public void OwnNameOnAnotherPort_Refused() => Hosts.Allows("localhost:8080").ShouldBeFalse();

    [Fact]
    public void ReboundName_Refused() => Hosts.Allows("rebound.example:17030").ShouldBeFalse();

    [Fact]
    public void NameThatEndsLikeLocalhost_Refused() => Hosts.Allows("evil-localhost:17030").ShouldBeFalse();

    [Fact]
    public void ConfiguredNameOnAnyPort_Allowed() => Hosts.Allows("cp.internal:9999").ShouldBeTrue();

    [Fact]
    public void ConfiguredNameWithPort_OnThatPort_Allowed() => Hosts.Allows("proxy.example:8443").ShouldBeTrue();

    [Fact]
    public void ConfiguredNameWithPort_OnAnotherPort_Refused() => Hosts.Allows("proxy.example:443").ShouldBeFalse();

    [Fact]
    public void NoHostHeader_AllowedNoBrowserSendsNone() => Hosts.Allows(null).ShouldBeTrue();

    [Fact]
    public void ConfiguredHostOtherThanLoopback_IsOwn() =>
        new HostAllowList("10.0.0.5", 17030, []).Allows("10.0.0.5:17030").ShouldBeTrue();
}
