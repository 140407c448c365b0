namespace Conjur.EventSourced.ControlPlane.Failover.History;

/// <summary>
/// What every event of a failover's own stream carries, so the saga's history can be drawn without
/// knowing each type: the step it belongs to, the node it is about (if any), words for an operator,
/// and the control plane's time of the transition (in quick append mode Marten's own timestamp is the
/// transaction's, shared by every event of one transition).
/// </summary>
public interface IFailoverEvent
{
    Guid FailoverId { get; }
    string Step { get; }
    string? Node { get; }
    string Detail { get; }
    DateTimeOffset At { get; }
}
