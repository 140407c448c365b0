namespace Conjur.EventSourced.ControlPlane.Failover.History;

/// <summary>StepDown was sent to the master of a switchover.</summary>
public sealed record StepDownRequested(Guid FailoverId, string Step, string? Node, string Detail, DateTimeOffset At) : IFailoverEvent;
