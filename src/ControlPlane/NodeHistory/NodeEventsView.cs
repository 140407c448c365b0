namespace Conjur.EventSourced.ControlPlane.NodeHistory;

/// <summary>The body of <c>GET /api/nodes/{id}/events</c>: newest first.</summary>
public sealed record NodeEventsView(string NodeId, string Stream, long Version, IReadOnlyList<NodeEventView> Events);
