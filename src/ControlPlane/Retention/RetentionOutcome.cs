namespace Conjur.EventSourced.ControlPlane.Retention;

/// <summary>What one retention pass did: heartbeat day streams compacted and raw events removed.</summary>
public sealed record RetentionOutcome(int StreamsCompacted, long EventsRemoved, DateTimeOffset Cutoff);
