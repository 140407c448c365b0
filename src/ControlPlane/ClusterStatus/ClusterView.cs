namespace Conjur.EventSourced.ControlPlane.ClusterStatus;

/// <summary>The body of <c>GET /api/cluster</c>.</summary>
/// <param name="Master">The node whose latest heartbeat says master and which is healthy; null when there is none.</param>
/// <param name="GeneratedAt">The time the view is judged at: now, or the <c>at</c> of <c>GET /api/cluster?at=</c>.</param>
/// <param name="Failover">Whether an automatic failover could run now, and why not.</param>
/// <param name="At">Set when the view was rebuilt from the events for a past time.</param>
public sealed record ClusterView(string ClusterId, string? Master, DateTimeOffset GeneratedAt, IReadOnlyList<NodeView> Nodes,
    FailoverReadiness? Failover = null, DateTimeOffset? At = null);
