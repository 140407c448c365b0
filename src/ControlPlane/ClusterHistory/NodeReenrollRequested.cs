namespace Conjur.EventSourced.ControlPlane.ClusterHistory;

/// <summary>An operator asked a node to re-enrol as a standby (POST /api/reenroll).</summary>
public sealed record NodeReenrollRequested(Guid RequestId, string NodeId, string RequestedBy, DateTimeOffset RequestedAt);
