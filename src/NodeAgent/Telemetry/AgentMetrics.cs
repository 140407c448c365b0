using System.Diagnostics.Metrics;
using Conjur.EventSourced.Hosting.Telemetry;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Ha;

namespace Conjur.EventSourced.NodeAgent.Telemetry;

/// <summary>
/// The agent's instruments (docs/observability.md lists them with their Prometheus names). Counters
/// are incremented where the thing happens; replication lag is read from the node's snapshot at
/// scrape time, so a scrape never waits on Postgres.
/// </summary>
public sealed class AgentMetrics : IDisposable
{
    public const string MeterName = ConjurTelemetry.Prefix + "NodeAgent";
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _leaseRenewals;
    private readonly Counter<long> _cycles;
    private readonly Counter<long> _published;
    private readonly KeyValuePair<string, object?> _node;

    public AgentMetrics(NodeConfig node, NodeState state)
    {
        _node = new("node", node.Id);
        _leaseRenewals = _meter.CreateCounter<long>("conjur.agent.leader_lease.renewals", "{renewal}",
            "Leader lease renewals by this agent, by result (ok, failed: the lease was gone, error: etcd did not answer).");
        _cycles = _meter.CreateCounter<long>("conjur.agent.ha_cycles", "{cycle}",
            "HA cycles run, by outcome (the outcome message's stable head, e.g. 'renewed leader lease').");
        _published = _meter.CreateCounter<long>("conjur.agent.heartbeats.published", "{message}",
            "Heartbeats and lag reports handed to RabbitMQ, by message type and result.");
        _meter.CreateObservableGauge("conjur.agent.replication.lag_bytes", () => Lag(state.Current, r => r.LagBytes, s => s.LagBytes), "By",
            "Replication lag in bytes per node: reported by the master for each replica, by a standby for itself (label observed_by).");
        _meter.CreateObservableGauge("conjur.agent.replication.lag_seconds", () => Lag(state.Current, r => r.ReplayLagSeconds, s => s.Postgres.ReplayDelaySeconds), "s",
            "Replay lag in seconds per node, as lag_bytes.");
    }

    public void LeaseRenewal(string result) => _leaseRenewals.Add(1, _node, new("result", result));

    public void Cycle(string outcome) => _cycles.Add(1, _node, new("outcome", OutcomeLabel(outcome)));

    public void Published(string type, bool ok) => _published.Add(1, _node, new("type", type), new("result", ok ? "ok" : "failed"));

    /// <summary>
    /// A bounded label from a free-text outcome: the text before its first ':' or '(' with digits
    /// dropped, so "failover blocked for n1 (term 4): ..." and "renewed leader lease" stay a handful of series.
    /// </summary>
    public static string OutcomeLabel(string message)
    {
        var cut = message.IndexOfAny([':', '(']);
        var head = (cut < 0 ? message : message[..cut]).Trim();
        head = new string([.. head.Where(c => !char.IsDigit(c))]).Trim();
        return head.Length > 48 ? head[..48] : head;
    }

    private IEnumerable<Measurement<T>> Lag<T>(NodeSnapshot s, Func<Contracts.Nodes.ReplicaReport, T?> replica, Func<NodeSnapshot, T?> own)
        where T : struct
    {
        var self = (string)_node.Value!;
        if (s.Role == "master")
        {
            foreach (var r in s.Postgres.Replicas.GroupBy(r => r.NodeId).Select(g => g.First()))
            {
                if (replica(r) is { } v)
                {
                    yield return new Measurement<T>(v, new("node", r.NodeId), new("observed_by", self));
                }
            }
        }
        else if (own(s) is { } v)
        {
            yield return new Measurement<T>(v, new("node", self), new("observed_by", self));
        }
    }

    public void Dispose() => _meter.Dispose();
}
