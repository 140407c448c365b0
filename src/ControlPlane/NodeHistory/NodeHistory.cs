using Conjur.EventSourced.ControlPlane.ClusterStatus;

namespace Conjur.EventSourced.ControlPlane.NodeHistory;

/// <summary>
/// A node's history as a read model: its state changes in words (newest last, the latest
/// <see cref="NodeHistoryProjection.MaxChanges"/> kept here; the events themselves are kept forever)
/// and how many reports it sent. Built by <see cref="NodeHistoryProjection"/>.
/// </summary>
public sealed record NodeHistory
{
    /// <summary>The node's stream key.</summary>
    public string Id { get; init; } = "";
    public string ClusterId { get; init; } = "";
    public string NodeId { get; init; } = "";
    public DateTimeOffset? FirstSeenAt { get; init; }
    public long Reports { get; init; }
    public long CompactedReports { get; init; }
    public IReadOnlyList<NodeChange> Changes { get; init; } = [];

    /// <summary>The node as of the last accepted report, to tell the next change.</summary>
    public NodeStatus? Last { get; init; }
}
