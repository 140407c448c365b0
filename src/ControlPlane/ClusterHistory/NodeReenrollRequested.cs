namespace Conjur.EventSourced.ControlPlane.ClusterHistory;

/// <summary>An operator asked a node to re-enrol as a standby (POST /api/reenroll).</summary>
/// <param name="RequestedBy">The API credential's name.</param>
/// <param name="RequestedFrom">The client's address (absent from events recorded before credentials).</param>
public sealed record NodeReenrollRequested(Guid RequestId, string NodeId, string RequestedBy, DateTimeOffset RequestedAt, string? RequestedFrom = null);
