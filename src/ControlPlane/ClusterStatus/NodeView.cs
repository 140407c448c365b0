namespace Conjur.EventSourced.ControlPlane.ClusterStatus;

/// <summary>One node in <c>GET /api/cluster</c>.</summary>
/// <param name="Sync">True when the master reports the node as its synchronous standby, false for potential or async; null for the master and followers.</param>
/// <param name="HeartbeatAgeMs">Control-plane clock minus the agent's ObservedAt; null before the first heartbeat.</param>
public sealed record NodeView(
    string Id,
    string? Role,
    bool Healthy,
    bool PostgresRunning,
    bool Fenced,
    string? Problem,
    bool? Sync,
    string? SyncState,
    DateTimeOffset? LastHeartbeatAt,
    long? HeartbeatAgeMs,
    long? LagBytes,
    double? LagSeconds,
    long? WalPosition,
    int? Timeline,
    long HeartbeatCount);
