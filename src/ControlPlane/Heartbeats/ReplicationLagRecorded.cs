using Conjur.EventSourced.Contracts.Nodes;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>
/// A node's replication report that changed its state (timeline, its replicas and their states, or a new
/// agent), as stored in its stream and kept forever. On a master it also holds its replicas as it sees them.
/// </summary>
public sealed record ReplicationLagRecorded(
    string ClusterId,
    string NodeId,
    Guid AgentInstance,
    long Sequence,
    string Role,
    int? Timeline,
    long? WalPosition,
    long? ReceivePosition,
    long? LagBytes,
    double? LagSeconds,
    IReadOnlyList<ReplicaSeen> Replicas,
    DateTimeOffset ObservedAt) : ILagReport
{
    public INodeEvent AsSample() => new ReplicationLagSampled(
        ClusterId, NodeId, AgentInstance, Sequence, Role, Timeline, WalPosition, ReceivePosition, LagBytes, LagSeconds, Replicas, ObservedAt);

    public static ReplicationLagRecorded From(ReplicationLagReported m) => new(
        m.ClusterId, m.NodeId, m.AgentInstance, m.Sequence, m.Role, m.Timeline, m.WalPosition, m.ReceivePosition,
        m.LagBytes, m.LagSeconds, [.. m.Replicas.Select(ReplicaSeen.From)], m.ObservedAt);
}
