using Conjur.EventSourced.ControlPlane.ClusterStatus;

namespace Conjur.EventSourced.ControlPlane.NodeHistory;

/// <summary>
/// A node's history as a read model: its state changes in words (newest last, the latest
/// <see cref="NodeHistoryProjection.MaxChanges"/> kept here; the events themselves are kept forever)
/// and how many state-change reports it sent. Built by <see cref="NodeHistoryProjection"/>; the count of
/// every report, samples included, is <see cref="ClusterStatus.NodeStatus.HeartbeatCount"/>.
/// </summary>
public sealed record NodeHistory
{
    /// <summary>The node's stream key.</summary>
    public string Id { get; init; } = "";
    public string ClusterId { get; init; } = "";
    public string NodeId { get; init; } = "";
    public DateTimeOffset? FirstSeenAt { get; init; }
    /// <summary>State-change reports read (samples are not read by this projection).</summary>
    public long ChangeReports { get; init; }
    public long CompactedReports { get; init; }
    public IReadOnlyList<NodeChange> Changes { get; init; } = [];

    /// <summary>The node as of the last state change, to tell the next change (positions and lag are those of that report).</summary>
    public NodeStatus? Last { get; init; }
}
