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
}
