using Conjur.EventSourced.ControlPlane.Heartbeats;

namespace Conjur.EventSourced.ControlPlane.ClusterStatus;

/// <summary>
/// Decides whether a node report is newer than what a <see cref="NodeStatus"/> already holds. The
/// recorder uses it to keep duplicates and late deliveries out of the stream, and the projection uses
/// it again so that replaying a stream that does hold some (written by an older build, or by a second
/// writer) still yields the same state.
/// </summary>
public static class NodeEventOrder
{
    public static bool IsNew(NodeStatus? current, INodeEvent e) => e switch
    {
        _ when current is null => true,
        IHeartbeatReport => IsNew(current.AgentInstance, current.LastSequence, current.LastHeartbeatAt, e),
        ILagReport => IsNew(current.LagAgentInstance, current.LastLagSequence, current.LastLagReportAt, e),
        _ => true,
    };

    /// <summary>
    /// Within one agent process the sequence orders reports exactly. A restarted agent starts a new
    /// instance whose sequence begins again, so across instances only the agent's clock can order them:
    /// a late report of the previous instance is older than what the new one already said.
    /// </summary>
    private static bool IsNew(Guid? lastInstance, long lastSequence, DateTimeOffset? lastAt, INodeEvent e) =>
        lastInstance is not { } instance
            || (e.AgentInstance == instance ? e.Sequence > lastSequence : lastAt is null || e.ObservedAt > lastAt);
}
