using System.Diagnostics.Metrics;
using Conjur.EventSourced.Hosting.Telemetry;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.NodeAgent.Audit;

/// <summary>
/// The audit trail's instruments (docs/observability.md): the backlog and the quarantine read at scrape time, and
/// what the master refused to store, by reason. Created with the shipper, so the gauges exist on every node.
/// </summary>
public sealed class AuditMetrics : IDisposable
{
    public const string MeterName = ConjurTelemetry.Prefix + "NodeAgent.Audit";
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _quarantined;
    private readonly Counter<long> _refused;
    private readonly KeyValuePair<string, object?> _node;

    public AuditMetrics(NodeConfig node, AuditSpool spool)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(spool);
        _node = new("node", node.Id);
        _meter.CreateObservableGauge("conjur.agent.audit.queue_depth", () => new Measurement<int>(spool.Depth, _node), "{record}",
            "Audit records in this node's spool not yet acknowledged by the master (as /health's audit_queue_depth, without the writer's queue).");
        _meter.CreateObservableGauge("conjur.agent.audit.quarantined", () => new Measurement<int>(spool.Quarantined, _node), "{record}",
            "Audit records the master refused as malformed, set aside in the spool's quarantine file (as /health's audit_quarantined).");
        _quarantined = _meter.CreateCounter<long>("conjur.agent.audit.quarantine_events", "{record}",
            "Records this agent set aside since it started.");
        _refused = _meter.CreateCounter<long>("conjur.agent.audit.batches_refused", "{batch}",
            "Shipped batches this master refused, by reason (unauthenticated, forged_origin, malformed).");
    }

    public void Quarantined(int records) => _quarantined.Add(records, _node);

    public void BatchRefused(string reason) => _refused.Add(1, _node, new("reason", reason));

    public void Dispose() => _meter.Dispose();
}
