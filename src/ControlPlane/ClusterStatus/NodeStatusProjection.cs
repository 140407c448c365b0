using Conjur.EventSourced.ControlPlane.Heartbeats;
using Marten.Events.Aggregation;

namespace Conjur.EventSourced.ControlPlane.ClusterStatus;

/// <summary>
/// One <see cref="NodeStatus"/> per node stream, updated inline in the same transaction as the append,
/// so the recorder can read it back as the exact state of everything already stored.
/// A report that is not newer (<see cref="NodeEventOrder"/>) leaves the status as it was.
/// </summary>
public sealed partial class NodeStatusProjection : SingleStreamProjection<NodeStatus, string>
{
    public const string ProjectionName = "NodeStatus";

    public NodeStatusProjection() => Name = ProjectionName;

    public static NodeStatus Create(HeartbeatRecorded e) => Apply(e, NodeStatus.Blank(e));

    public static NodeStatus Create(ReplicationLagRecorded e) => Apply(e, NodeStatus.Blank(e));

    public static NodeStatus Apply(HeartbeatRecorded e, NodeStatus current) =>
        !NodeEventOrder.IsNew(current, e) ? current : current with
        {
            Role = e.Role,
            Healthy = e.Healthy,
            PostgresRunning = e.PostgresRunning,
            Fenced = e.Fenced,
            Problem = e.Problem,
            LastHeartbeatAt = e.ObservedAt,
            AgentInstance = e.AgentInstance,
            LastSequence = e.Sequence,
            HeartbeatCount = current.HeartbeatCount + 1,
        };

    public static NodeStatus Apply(ReplicationLagRecorded e, NodeStatus current) =>
        !NodeEventOrder.IsNew(current, e) ? current : current with
        {
            LastLagReportAt = e.ObservedAt,
            LagAgentInstance = e.AgentInstance,
            LastLagSequence = e.Sequence,
            Timeline = e.Timeline,
            WalPosition = e.WalPosition,
            ReceivePosition = e.ReceivePosition,
            LagBytes = e.LagBytes,
            LagSeconds = e.LagSeconds,
            Replicas = e.Replicas,
        };

    /// <summary>The same step Marten takes, for callers that must know the state before they append.</summary>
    public static NodeStatus Evolve(NodeStatus? current, INodeEvent e) => e switch
    {
        HeartbeatRecorded h => current is null ? Create(h) : Apply(h, current),
        ReplicationLagRecorded l => current is null ? Create(l) : Apply(l, current),
        _ => current ?? NodeStatus.Blank(e),
    };
}
