namespace Conjur.EventSourced.ControlPlane.NodeHistory;

/// <summary>One change in a node's life, in words: "role standby -> master", "unhealthy: postgres is not running".</summary>
/// <param name="At">The agent's observation time (the store's for compaction summaries).</param>
public sealed record NodeChange(DateTimeOffset At, string What);
