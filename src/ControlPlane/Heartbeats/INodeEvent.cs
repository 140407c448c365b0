namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>
/// What every stored node event carries: whose it is, which agent process said it, and the agent's
/// own observation time (in quick append mode Marten's timestamp is the batch's transaction time,
/// so it cannot tell observations within a batch apart).
/// <para>
/// Each report is stored as one of two event types: a state change (<see cref="HeartbeatRecorded"/>,
/// <see cref="ReplicationLagRecorded"/>, kept forever) or a sample that changed nothing but timestamps,
/// positions and lag (<see cref="HeartbeatSampled"/>, <see cref="ReplicationLagSampled"/>, removed by
/// retention after the window; see <see cref="NodeReportClassifier"/>). Types of their own, not a flag,
/// so the async daemon's projections that need only the changes (node history) never read the samples.
/// </para>
/// </summary>
public interface INodeEvent
{
    string ClusterId { get; }
    string NodeId { get; }
    Guid AgentInstance { get; }
    long Sequence { get; }
    DateTimeOffset ObservedAt { get; }

    /// <summary>The same report as a sample (what the recorder stores when it changed nothing).</summary>
    INodeEvent AsSample();
}
