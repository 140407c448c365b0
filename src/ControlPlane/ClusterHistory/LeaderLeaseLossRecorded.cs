namespace Conjur.EventSourced.ControlPlane.ClusterHistory;

/// <summary>A standby saw the leader key vanish (the master's lease ended).</summary>
public sealed record LeaderLeaseLossRecorded(Guid FailoverId, string FormerMaster, long Term, string ObservedBy, DateTimeOffset ObservedAt);
