using System.Text.RegularExpressions;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Messaging;

/// <summary>
/// One broker user's rights on the cluster's vhost: RabbitMQ's configure (declare, delete), write (publish
/// to an exchange, bind into a queue or exchange) and read (consume a queue, bind from an exchange) regexes,
/// each matched against exchange and queue names alike, and the user's tags.
/// </summary>
public sealed record UserPermissions(string User, string Configure, string Write, string Read, IReadOnlyList<string> Tags);

/// <summary>
/// Who may do what on the broker. The shared exchanges (one per message type) and every agent's command
/// queue are declared by the launcher (<see cref="PreparedTopology"/>), so an agent needs no configure right
/// on anything shared: it cannot delete or rebind the exchange another part reads from.
/// <list type="bullet">
/// <item>An agent publishes only to the exchanges of its own reports (<see cref="BusSenders.AgentReports"/>), and
/// declares and consumes only its own command queue's names. It cannot write to any command queue, its own included.</item>
/// <item>The control plane owns the rest of the topology: its consumers' queues (named after the cluster), the
/// agents' command queues it sends to, the message type exchanges it binds and publishes, MassTransit's fault
/// exchanges. It alone writes to command queues and to the exchanges of its requests and events.
/// It is an <c>impersonator</c>: MassTransit moves a message that failed to the <c>_error</c> queue
/// with its properties, the agent's user-id included. That right adds nothing the control plane lacks: it
/// is the consumer that judges agent reports, and it writes its event store directly.</item>
/// <item>The subscriber reads only: its own <c>subscriber-</c> queues, bound by the launcher to the integration events.</item>
/// </list>
/// </summary>
public static class BrokerPermissions
{
    public const string Impersonator = "impersonator";

    /// <summary>Prefix of the read-only subscriber's own queues and exchanges.</summary>
    public const string SubscriberPrefix = "subscriber-";

    /// <summary>The queue the launcher binds to every integration event for the subscriber.</summary>
    public const string SubscriberQueue = SubscriberPrefix + "failover-events";

    /// <summary>MassTransit's fault events (<c>MassTransit:Fault--T--</c>, <c>MassTransit:Fault</c>, <c>MassTransit:ReceiveFault</c>).</summary>
    private const string FaultExchanges = "MassTransit:(Receive)?Fault.*";

    /// <summary>Every message type exchange of the project (contracts and the control plane's own).</summary>
    private const string MessageExchanges = @"Conjur\.EventSourced\..+";

    public static UserPermissions ForAgent(ClusterConfig config, string nodeId)
    {
        var own = Regex.Escape(AgentQueues.Name(config.ClusterId, nodeId));
        return new UserPermissions(BrokerUsers.Agent(nodeId), $"^{own}$", AnyOf(BusSenders.AgentReports.Keys.Select(Exchange)), $"^{own}$", []);
    }

    public static UserPermissions ForControlPlane(ClusterConfig config)
    {
        var clusterNames = Regex.Escape(config.ClusterId) + "-.+";
        var published = BusSenders.ControlPlaneEvents.Select(Exchange).Append(Regex.Escape(BusSenders.ControlPlaneNamespace) + @"\..+");
        return new UserPermissions(BrokerUsers.ControlPlane,
            AnyOf([clusterNames, MessageExchanges, FaultExchanges]),
            AnyOf([clusterNames, .. published, FaultExchanges]),
            AnyOf([clusterNames, MessageExchanges, FaultExchanges]),
            [Impersonator]);
    }

    public static UserPermissions ForSubscriber()
    {
        var own = Regex.Escape(SubscriberPrefix) + ".+";
        return new UserPermissions(BrokerUsers.Subscriber, $"^{own}$", $"^{own}$",
            AnyOf(BusSenders.IntegrationEvents.Select(Exchange).Prepend(own)), []);
    }

    /// <summary>Every user's rights, in the order of <see cref="BrokerLogin.All"/>.</summary>
    public static IReadOnlyList<UserPermissions> All(ClusterConfig config) =>
        [.. config.Nodes.Select(n => ForAgent(config, n.Id)), ForControlPlane(config), ForSubscriber()];

    private static string Exchange(Type messageType) => Regex.Escape(BusSenders.ExchangeOf(messageType));

    private static string AnyOf(IEnumerable<string> patterns) => $"^({string.Join('|', patterns)})$";
}
