namespace Conjur.EventSourced.ControlPlane.ClusterHistory;

/// <summary>A standby found the preconditions for an automatic failover unmet: nothing was promoted.</summary>
public sealed record FailoverBlockedRecorded(Guid FailoverId, string FormerMaster, long Term, string ObservedBy, string Reason, DateTimeOffset ObservedAt);
