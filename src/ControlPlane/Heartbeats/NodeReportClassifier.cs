using Conjur.EventSourced.ControlPlane.ClusterStatus;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>
/// Tells a state change from a sample. A state change is kept forever; a sample (same role, health,
/// fencing, problem, timeline and replicas as before: only the timestamps, positions and lag moved) is
/// stored as <see cref="HeartbeatSampled"/> or <see cref="ReplicationLagSampled"/> and removed by the
/// retention job after the configured window (docs/event-store.md#retention).
/// </summary>
public static class NodeReportClassifier
{
    /// <param name="before">The node's status before this report was applied (null: nothing seen yet).</param>
    public static bool IsStateChange(NodeStatus? before, INodeEvent report) => report switch
    {
        IHeartbeatReport h => before?.AgentInstance is not { } instance
            || instance != h.AgentInstance
            || before.Role != h.Role
            || before.Healthy != h.Healthy
            || before.PostgresRunning != h.PostgresRunning
            || before.Fenced != h.Fenced
            || before.Problem != h.Problem,
        ILagReport l => before?.LagAgentInstance is not { } lagInstance
            || lagInstance != l.AgentInstance
            || before.Timeline != l.Timeline
            || !SameReplicas(before.Replicas, l.Replicas),
        _ => true,
    };

    /// <summary>The same replicas in the same states; positions and lag do not count.</summary>
    private static bool SameReplicas(IReadOnlyList<ReplicaSeen> a, IReadOnlyList<ReplicaSeen> b) =>
        a.Count == b.Count
        && a.OrderBy(r => r.NodeId, StringComparer.Ordinal).Zip(b.OrderBy(r => r.NodeId, StringComparer.Ordinal))
            .All(p => p.First.NodeId == p.Second.NodeId && p.First.State == p.Second.State && p.First.SyncState == p.Second.SyncState);
}
