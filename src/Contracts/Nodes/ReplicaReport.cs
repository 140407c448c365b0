namespace Conjur.EventSourced.Contracts.Nodes;

/// <summary>One row of the master's <c>pg_stat_replication</c>, named by the replica's application_name (its node id).</summary>
public sealed record ReplicaReport
{
    public required string NodeId { get; init; }

    /// <summary>streaming, catchup, startup...</summary>
    public required string State { get; init; }

    /// <summary>sync, potential, async or quorum.</summary>
    public required string SyncState { get; init; }

    public long? ReplayPosition { get; init; }
    public long? LagBytes { get; init; }
    public double? ReplayLagSeconds { get; init; }
}
