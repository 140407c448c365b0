namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>
/// A node's heartbeat that changed nothing but its time: stored so the node's liveness can be replayed,
/// removed by retention after the window (docs/event-store.md#retention).
/// </summary>
public sealed record HeartbeatSampled(
    string ClusterId,
    string NodeId,
    Guid AgentInstance,
    long Sequence,
    string Role,
    bool Healthy,
    bool PostgresRunning,
    bool Fenced,
    string? Problem,
    DateTimeOffset ObservedAt) : IHeartbeatReport
{
    public INodeEvent AsSample() => this;
}
