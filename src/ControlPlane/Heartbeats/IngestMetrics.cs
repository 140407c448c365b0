using System.Diagnostics.Metrics;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>
/// The ingest path's numbers, on a meter the metrics endpoint exports with every "Conjur.EventSourced.*" meter.
/// Projection lag is the agent's observation time to the commit that made the node status show it
/// (the status projection is inline, so this is the whole way through the bus and the store).
/// </summary>
public sealed class IngestMetrics : IDisposable
{
    public const string MeterName = "Conjur.EventSourced.ControlPlane.Ingest";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _ingested;
    private readonly Counter<long> _appended;
    private readonly Counter<long> _dropped;
    private readonly Histogram<double> _lag;
    private readonly Histogram<double> _batch;

    public IngestMetrics()
    {
        _ingested = _meter.CreateCounter<long>("conjur.heartbeats.ingested", "{report}", "Node reports (heartbeats and lag reports) received from the bus");
        _appended = _meter.CreateCounter<long>("conjur.events.appended", "{event}", "Node events appended to Marten");
        _dropped = _meter.CreateCounter<long>("conjur.heartbeats.duplicates_dropped", "{report}", "Duplicate or out-of-order reports left out");
        _lag = _meter.CreateHistogram<double>("conjur.projection.lag", "s", "Agent observation to the node status projection's commit");
        _batch = _meter.CreateHistogram<double>("conjur.ingest.batch.duration", "s", "One partition's read-filter-append transaction");
    }

    /// <summary>Raised with every committed event's lag, for the benchmark's percentiles.</summary>
    public event Action<double>? LagObserved;

    public void Ingested(int count) => _ingested.Add(count);

    public void Dropped(int count)
    {
        if (count > 0)
        {
            _dropped.Add(count);
        }
    }

    public void Committed(IReadOnlyList<INodeEvent> events, DateTimeOffset committedAt, TimeSpan took)
    {
        _appended.Add(events.Count);
        _batch.Record(took.TotalSeconds);
        var listener = LagObserved;
        foreach (var e in events)
        {
            var lag = Math.Max(0, (committedAt - e.ObservedAt).TotalSeconds);
            _lag.Record(lag);
            listener?.Invoke(lag);
        }
    }

    public void Dispose() => _meter.Dispose();
}
