namespace Conjur.EventSourced.Contracts.Nodes;

/// <summary>
/// A node agent's periodic sign of life, published every cycle (default 1 s).
/// <see cref="Sequence"/> grows by one per cycle of one agent process (<see cref="AgentInstance"/>), so
/// duplicates and out-of-order deliveries can be recognised. <see cref="ObservedAt"/> is the agent's
/// own clock at observation time, not the store's.
/// </summary>
public sealed record NodeHeartbeat
{
    public required string ClusterId { get; init; }
    public required string NodeId { get; init; }
    public required Guid AgentInstance { get; init; }
    public required long Sequence { get; init; }

    /// <summary>master, standby or follower (Conjur's words), as the agent sees itself now.</summary>
    public required string Role { get; init; }

    /// <summary>Postgres answers and is in the state its role needs; the agent would report 'ok' on /health.</summary>
    public required bool Healthy { get; init; }

    public required bool PostgresRunning { get; init; }

    /// <summary>The node refuses writes because it lost or never held the leader lease while acting as master.</summary>
    public bool Fenced { get; init; }

    /// <summary>Why the node is unhealthy, in words for an operator; null when healthy.</summary>
    public string? Problem { get; init; }

    public required DateTimeOffset ObservedAt { get; init; }
}
