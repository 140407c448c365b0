namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>
/// A node's replication report that moved only positions and lag: stored so lag can be replayed,
/// removed by retention after the window (docs/event-store.md#retention).
/// </summary>
public sealed record ReplicationLagSampled(
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
    public INodeEvent AsSample() => this;
}
