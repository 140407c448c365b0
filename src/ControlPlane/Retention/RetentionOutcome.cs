namespace Conjur.EventSourced.ControlPlane.Retention;

/// <summary>What one retention pass did: nodes whose raw reports were compacted, raw events removed, and the cutoff.</summary>
public sealed record RetentionOutcome(int NodesCompacted, long EventsRemoved, DateTimeOffset Cutoff);
