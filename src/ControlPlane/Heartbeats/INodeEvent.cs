namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>
/// What every stored node event carries: whose it is, which agent process said it, and the agent's
/// own observation time (in quick append mode Marten's timestamp is the batch's transaction time,
/// so it cannot tell observations within a batch apart).
/// </summary>
public interface INodeEvent
{
    string ClusterId { get; }
    string NodeId { get; }
    Guid AgentInstance { get; }
    long Sequence { get; }
    DateTimeOffset ObservedAt { get; }

    /// <summary>
    /// True for a report that changed nothing but timestamps, positions and lag (see
    /// <see cref="NodeReportClassifier"/>): retention removes it after the window. False for a state change, kept forever.
    /// </summary>
    bool Raw { get; }

    /// <summary>The same report marked raw.</summary>
    INodeEvent AsRaw();
}
