using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Messaging;

/// <summary>A durable exchange (fan-out, as MassTransit declares them), queue, or binding of a source exchange to a queue or exchange.</summary>
public sealed record PreparedBinding(string Source, string Destination, bool ToQueue);

/// <summary>
/// What the launcher declares on the broker before any part connects, so the parts that may not configure
/// shared names never have to: the exchange of every agent report and integration event, each agent's
/// command queue (and its exchange, bound as MassTransit would), and the subscriber's queue bound to the
/// integration events. Everything has the properties MassTransit gives it, so its own declarations match.
/// </summary>
public sealed record PreparedTopology(IReadOnlyList<string> Exchanges, IReadOnlyList<string> Queues, IReadOnlyList<PreparedBinding> Bindings)
{
    public static PreparedTopology For(ClusterConfig config)
    {
        var exchanges = new List<string>();
        var queues = new List<string>();
        var bindings = new List<PreparedBinding>();
        exchanges.AddRange(BusSenders.AgentReports.Keys.Concat(BusSenders.IntegrationEvents).Select(BusSenders.ExchangeOf).Distinct());
        foreach (var queue in config.Nodes.Select(n => AgentQueues.Name(config.ClusterId, n.Id)).Append(BrokerPermissions.SubscriberQueue))
        {
            exchanges.Add(queue);
            queues.Add(queue);
            bindings.Add(new PreparedBinding(queue, queue, ToQueue: true));
        }
        bindings.AddRange(BusSenders.IntegrationEvents.Select(t => new PreparedBinding(BusSenders.ExchangeOf(t), BrokerPermissions.SubscriberQueue, ToQueue: false)));
        return new PreparedTopology(exchanges, queues, bindings);
    }
}
