using Conjur.EventSourced.ControlPlane.Heartbeats;

namespace Conjur.EventSourced.ControlPlane.ClusterStatus;

/// <summary>
/// A node as its own reports describe it: the last accepted heartbeat and the last accepted lag report.
/// Heartbeats and lag reports are ordered separately (an agent numbers both with the same cycle
/// sequence), hence two (instance, sequence) pairs. Whether the node streams from the master is not
/// here: that is the master's word, composed at read time by <see cref="ClusterViewComposer"/>.
/// </summary>
public sealed record NodeStatus
{
    /// <summary>The node's stream key.</summary>
    public string Id { get; init; } = "";
    public string ClusterId { get; init; } = "";
    public string NodeId { get; init; } = "";

    public string? Role { get; init; }
    public bool Healthy { get; init; }
    public bool PostgresRunning { get; init; }
    public bool Fenced { get; init; }
    public string? Problem { get; init; }

    /// <summary>The agent's ObservedAt of the last accepted heartbeat.</summary>
    public DateTimeOffset? LastHeartbeatAt { get; init; }
    public Guid? AgentInstance { get; init; }
    public long LastSequence { get; init; }
    public long HeartbeatCount { get; init; }

    public DateTimeOffset? LastLagReportAt { get; init; }
    public Guid? LagAgentInstance { get; init; }
    public long LastLagSequence { get; init; }
    public int? Timeline { get; init; }
    public long? WalPosition { get; init; }
    public long? ReceivePosition { get; init; }
    public long? LagBytes { get; init; }
    public double? LagSeconds { get; init; }

    /// <summary>On a master: its <c>pg_stat_replication</c> at the last lag report. Empty elsewhere.</summary>
    public IReadOnlyList<ReplicaSeen> Replicas { get; init; } = [];

    public static NodeStatus Blank(INodeEvent e) => new()
    {
        Id = NodeStream.Key(e.ClusterId, e.NodeId),
        ClusterId = e.ClusterId,
        NodeId = e.NodeId,
    };
}
