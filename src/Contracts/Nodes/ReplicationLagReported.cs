namespace Conjur.EventSourced.Contracts.Nodes;

/// <summary>
/// A node's replication position and lag, published every cycle next to its heartbeat.
/// Positions are WAL LSNs as byte offsets (pg_lsn minus '0/0').
/// On the master, <see cref="Replicas"/> lists what <c>pg_stat_replication</c> shows for each
/// downstream node; on a replica it is empty and <see cref="LagBytes"/> is its own distance from the master.
/// </summary>
public sealed record ReplicationLagReported
{
    public required string ClusterId { get; init; }
    public required string NodeId { get; init; }
    public required Guid AgentInstance { get; init; }
    public required long Sequence { get; init; }
    public required string Role { get; init; }
    public int? Timeline { get; init; }

    /// <summary>pg_current_wal_lsn() on the master; pg_last_wal_replay_lsn() on a replica.</summary>
    public long? WalPosition { get; init; }
    public long? ReceivePosition { get; init; }

    /// <summary>Bytes of WAL the master has that this node has not replayed; 0 on the master, null if unknown.</summary>
    public long? LagBytes { get; init; }

    /// <summary>Seconds since the last replayed transaction's commit on the master, when there is anything to replay.</summary>
    public double? LagSeconds { get; init; }

    public IReadOnlyList<ReplicaReport> Replicas { get; init; } = [];
    public required DateTimeOffset ObservedAt { get; init; }
}
