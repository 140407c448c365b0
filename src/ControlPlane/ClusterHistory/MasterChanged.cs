namespace Conjur.EventSourced.ControlPlane.ClusterHistory;

/// <summary>A node took leader on a new timeline (from its MasterPromoted).</summary>
public sealed record MasterChanged(Guid FailoverId, string NewMaster, string FormerMaster, int Timeline, DateTimeOffset PromotedAt);
