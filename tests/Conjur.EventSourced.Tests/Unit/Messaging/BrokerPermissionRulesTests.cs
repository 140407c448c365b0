using System.Text.RegularExpressions;
using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Tests.Unit.Messaging;

/// <summary>
/// The permission regexes against the names the parts use (RabbitMQ matches them, as PCRE, against exchange and
/// queue names alike; these patterns mean the same in .NET). BrokerPermissionsTests tries them on a real broker.
/// </summary>
public sealed class BrokerPermissionRulesTests
{
    private static readonly ClusterConfig Config = DefaultTopology.Create("/tmp/rules", clusterId: "c1");
    private static readonly UserPermissions Node4 = BrokerPermissions.ForAgent(Config, "node4");
    private static readonly UserPermissions ControlPlane = BrokerPermissions.ForControlPlane(Config);
    private static readonly UserPermissions Subscriber = BrokerPermissions.ForSubscriber();

    private static bool Allows(string pattern, string name) => Regex.IsMatch(name, pattern);

    private static string Exchange<T>() => BusSenders.ExchangeOf(typeof(T));

    [Fact]
    public void AgentWrite_ItsReports() =>
        BusSenders.AgentReports.Keys.ShouldAllBe(t => Allows(Node4.Write, BusSenders.ExchangeOf(t)));

    [Fact]
    public void AgentWrite_NoCommandQueueItsOwnIncluded() =>
        Config.Nodes.ShouldAllBe(n => !Allows(Node4.Write, AgentQueues.Name("c1", n.Id)));

    [Fact]
    public void AgentWrite_NoCommandOrRequestExchange() =>
        BusSenders.Commands.Concat(BusSenders.ControlPlaneEvents).ShouldAllBe(t => !Allows(Node4.Write, BusSenders.ExchangeOf(t)));

    [Fact]
    public void AgentWrite_NotTheDefaultExchange() =>
        Allows(Node4.Write, "amq.default").ShouldBeFalse();

    [Fact]
    public void AgentRead_ItsOwnQueueOnly()
    {
        Allows(Node4.Read, AgentQueues.Name("c1", "node4")).ShouldBeTrue();
        Allows(Node4.Read, AgentQueues.Name("c1", "node1")).ShouldBeFalse();
        Allows(Node4.Read, AgentQueues.Name("c1", "node40")).ShouldBeFalse();
    }

    [Fact]
    public void AgentConfigure_NoSharedExchange() =>
        BusSenders.AgentReports.Keys.ShouldAllBe(t => !Allows(Node4.Configure, BusSenders.ExchangeOf(t)));

    [Fact]
    public void AgentTags_None() => Node4.Tags.ShouldBeEmpty();

    [Fact]
    public void ControlPlaneWrite_CommandQueuesAndItsRequests()
    {
        Allows(ControlPlane.Write, AgentQueues.Name("c1", "node1")).ShouldBeTrue();
        Allows(ControlPlane.Write, Exchange<SwitchoverRequested>()).ShouldBeTrue();
        Allows(ControlPlane.Write, Exchange<FailoverCompleted>()).ShouldBeTrue();
        Allows(ControlPlane.Write, "Conjur.EventSourced.ControlPlane.Failover:FailoverStepTimedOut").ShouldBeTrue();
    }

    [Fact]
    public void ControlPlaneWrite_NoAgentReportExchange() =>
        BusSenders.AgentReports.Keys.ShouldAllBe(t => !Allows(ControlPlane.Write, BusSenders.ExchangeOf(t)));

    [Fact]
    public void ControlPlaneWrite_NotAnotherClustersQueues() =>
        Allows(ControlPlane.Write, AgentQueues.Name("c2", "node1")).ShouldBeFalse();

    [Fact]
    public void ControlPlaneRead_ItsConsumersQueuesAndTheExchangesTheyBind()
    {
        Allows(ControlPlane.Read, "c1-node-heartbeat").ShouldBeTrue();
        Allows(ControlPlane.Read, Exchange<NodeHeartbeat>()).ShouldBeTrue();
    }

    [Fact]
    public void ControlPlaneTags_Impersonator() => ControlPlane.Tags.ShouldBe([BrokerPermissions.Impersonator]);

    [Fact]
    public void SubscriberRead_IntegrationEventsAndItsQueue()
    {
        BusSenders.IntegrationEvents.ShouldAllBe(t => Allows(Subscriber.Read, BusSenders.ExchangeOf(t)));
        Allows(Subscriber.Read, BrokerPermissions.SubscriberQueue).ShouldBeTrue();
    }

    [Fact]
    public void SubscriberRead_NoCommandQueueNorHeartbeats()
    {
        Allows(Subscriber.Read, AgentQueues.Name("c1", "node1")).ShouldBeFalse();
        Allows(Subscriber.Read, Exchange<NodeHeartbeat>()).ShouldBeFalse();
    }

    [Fact]
    public void SubscriberWrite_OnlyItsOwnNames() =>
        BusSenders.IntegrationEvents.Concat(BusSenders.Commands).ShouldAllBe(t => !Allows(Subscriber.Write, BusSenders.ExchangeOf(t)));
}
