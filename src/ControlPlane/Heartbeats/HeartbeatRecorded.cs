using Conjur.EventSourced.Contracts.Nodes;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>
/// A node's heartbeat that changed its state (role, health, fencing, problem, or a new agent), as stored
/// in its stream and kept forever. A type of its own rather than the bus contract, so the stored history
/// does not change shape when agents start publishing a newer contract.
/// </summary>
public sealed record HeartbeatRecorded(
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
    public INodeEvent AsSample() => new HeartbeatSampled(
        ClusterId, NodeId, AgentInstance, Sequence, Role, Healthy, PostgresRunning, Fenced, Problem, ObservedAt);

    public static HeartbeatRecorded From(NodeHeartbeat m) => new(
        m.ClusterId, m.NodeId, m.AgentInstance, m.Sequence, m.Role, m.Healthy, m.PostgresRunning, m.Fenced, m.Problem, m.ObservedAt);
}
