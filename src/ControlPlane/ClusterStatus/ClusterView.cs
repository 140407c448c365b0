namespace Conjur.EventSourced.ControlPlane.ClusterStatus;

/// <summary>The body of <c>GET /api/cluster</c>.</summary>
/// <param name="Master">The node whose latest heartbeat says master and which is healthy; null when there is none.</param>
public sealed record ClusterView(string ClusterId, string? Master, DateTimeOffset GeneratedAt, IReadOnlyList<NodeView> Nodes);
