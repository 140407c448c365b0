using Conjur.EventSourced.ControlPlane.Heartbeats;
using Conjur.EventSourced.ControlPlane.Messaging;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Tests.Unit.Heartbeats;

public class EndpointNameTests
{
    [Fact]
    public void TwoClusters_NeverShareAQueue()
    {
        var a = ControlPlaneBus.EndpointNames(DefaultTopology.Create("/tmp/a", clusterId: "alpha"));
        var b = ControlPlaneBus.EndpointNames(DefaultTopology.Create("/tmp/b", clusterId: "beta"));

        a.Consumer<NodeHeartbeatConsumer>().ShouldStartWith("alpha");
        a.Consumer<ReplicationLagReportedConsumer>().ShouldStartWith("alpha");
        b.Consumer<NodeHeartbeatConsumer>().ShouldStartWith("beta");
        a.Consumer<NodeHeartbeatConsumer>().ShouldNotBe(b.Consumer<NodeHeartbeatConsumer>());
    }
}
