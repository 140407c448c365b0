using Conjur.EventSourced.Contracts.Nodes;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>One replica in the master's <c>pg_stat_replication</c>, as stored with the master's lag report.</summary>
public sealed record ReplicaSeen(
    string NodeId,
    string State,
    string SyncState,
    long? ReplayPosition,
    long? LagBytes,
    double? ReplayLagSeconds)
{
    public static ReplicaSeen From(ReplicaReport r) => new(r.NodeId, r.State, r.SyncState, r.ReplayPosition, r.LagBytes, r.ReplayLagSeconds);
}
