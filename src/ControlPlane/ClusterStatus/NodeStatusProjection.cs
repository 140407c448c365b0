using Conjur.EventSourced.ControlPlane.Heartbeats;
using Marten.Events.Aggregation;

namespace Conjur.EventSourced.ControlPlane.ClusterStatus;

/// <summary>
/// One <see cref="NodeStatus"/> per node stream, updated inline in the same transaction as the append,
/// so the recorder can read it back as the exact state of everything already stored. It folds the
/// samples as well as the state changes: the last heartbeat's time and the lag come from the samples.
/// A report that is not newer (<see cref="NodeEventOrder"/>) leaves the status as it was.
/// </summary>
public sealed partial class NodeStatusProjection : SingleStreamProjection<NodeStatus, string>
{
    public const string ProjectionName = "NodeStatus";

    public NodeStatusProjection() => Name = ProjectionName;

    public static NodeStatus Create(HeartbeatRecorded e) => Heartbeat(e, NodeStatus.Blank(e));

    public static NodeStatus Create(HeartbeatSampled e) => Heartbeat(e, NodeStatus.Blank(e));

    public static NodeStatus Create(ReplicationLagRecorded e) => Lag(e, NodeStatus.Blank(e));

    public static NodeStatus Create(ReplicationLagSampled e) => Lag(e, NodeStatus.Blank(e));

    public static NodeStatus Apply(HeartbeatRecorded e, NodeStatus current) => Heartbeat(e, current);

    public static NodeStatus Apply(HeartbeatSampled e, NodeStatus current) => Heartbeat(e, current);

    public static NodeStatus Apply(ReplicationLagRecorded e, NodeStatus current) => Lag(e, current);

    public static NodeStatus Apply(ReplicationLagSampled e, NodeStatus current) => Lag(e, current);

    private static NodeStatus Heartbeat(IHeartbeatReport e, NodeStatus current) =>
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

    private static NodeStatus Lag(ILagReport e, NodeStatus current) =>
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
        IHeartbeatReport h => Heartbeat(h, current ?? NodeStatus.Blank(h)),
        ILagReport l => Lag(l, current ?? NodeStatus.Blank(l)),
        _ => current ?? NodeStatus.Blank(e),
    };
}
