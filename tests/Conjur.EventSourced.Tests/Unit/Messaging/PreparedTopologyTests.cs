using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Tests.Unit.Messaging;

/// <summary>What the launcher declares so that agents and the subscriber never need to.</summary>
public sealed class PreparedTopologyTests
{
    private static readonly PreparedTopology Topology = PreparedTopology.For(DefaultTopology.Create("/tmp/prepared", clusterId: "c1"));

    [Fact]
    public void EveryAgentReportExchange_Declared() =>
        BusSenders.AgentReports.Keys.ShouldAllBe(t => Topology.Exchanges.Contains(BusSenders.ExchangeOf(t)));

    [Fact]
    public void EachAgentsCommandQueue_DeclaredAndBoundToItsExchange()
    {
        Topology.Queues.ShouldContain("c1-agent-node4");
        Topology.Bindings.ShouldContain(new PreparedBinding("c1-agent-node4", "c1-agent-node4", ToQueue: true));
    }

    [Fact]
    public void SubscriberQueue_BoundToEveryIntegrationEventOnly()
    {
        var bound = Topology.Bindings.Where(b => b.Destination == BrokerPermissions.SubscriberQueue && !b.ToQueue).Select(b => b.Source).ToList();
        bound.Order().ShouldBe(BusSenders.IntegrationEvents.Select(BusSenders.ExchangeOf).Order());
        bound.ShouldNotContain(BusSenders.ExchangeOf(typeof(NodeHeartbeat)));
    }
}
