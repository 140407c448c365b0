using System.Diagnostics.Metrics;
using Conjur.EventSourced.Hosting.Telemetry;

namespace Conjur.EventSourced.Hosting.Messaging;

/// <summary>The bus's own instruments, in every process that consumes (agents and the control plane): docs/observability.md.</summary>
public sealed class BusMetrics : IDisposable
{
    public const string MeterName = ConjurTelemetry.Prefix + "Bus";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _rejected;

    public BusMetrics()
    {
        _rejected = _meter.CreateCounter<long>("conjur.bus.messages_rejected", "{message}",
            "Consumed messages dropped because their broker user may not send them, by message type and reason (no-user-id, not-control-plane, not-an-agent, other-node, no-node-id).");
    }

    private long _rejectedTotal;

    /// <summary>Every message rejected since start, for a benchmark's report.</summary>
    public long RejectedTotal => Interlocked.Read(ref _rejectedTotal);

    public void Rejected(string messageType, SenderVerdict verdict)
    {
        Interlocked.Increment(ref _rejectedTotal);
        _rejected.Add(1, new KeyValuePair<string, object?>("type", messageType), new KeyValuePair<string, object?>("reason", verdict.Label()));
    }

    public void Dispose() => _meter.Dispose();
}
