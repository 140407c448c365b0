using Conjur.EventSourced.NodeAgent.Trust;

namespace Conjur.EventSourced.Tests.Unit.Trust;

public sealed class ClientAddressTests
{
    [Fact]
    public void WriteANodeForwarded_IsItsClients() => ClientAddress.Decide("10.0.0.7", "10.0.0.4", "127.0.0.1").ShouldBe("10.0.0.7");

    [Fact]
    public void ThroughTheLoadBalancer_IsTheAddressItSaw() => ClientAddress.Decide(null, "10.0.0.9", "127.0.0.1").ShouldBe("10.0.0.9");

    [Fact]
    public void Direct_IsTheConnections() => ClientAddress.Decide(null, null, "127.0.0.5").ShouldBe("127.0.0.5");

    [Fact]
    public void NothingKnown_IsUnknown() => ClientAddress.Decide(null, null, null).ShouldBe("unknown");
}
