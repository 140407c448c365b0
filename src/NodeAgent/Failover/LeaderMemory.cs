namespace Conjur.EventSourced.NodeAgent.Failover;

/// <summary>
/// What a replica last knew about the master while it lived: its id, its term (the create revision of
/// its <c>leader</c> key) and which standby it counted as synchronous. When <c>leader</c> vanishes, the
/// master's own keys may vanish with it, so the failover works from this memory.
/// </summary>
public sealed record LeaderMemory(string LeaderId, long Term, string? SyncStandby, DateTimeOffset SeenAt);
