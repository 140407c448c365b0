namespace Conjur.EventSourced.ControlPlane.Failover.History;

/// <summary>The master of a switchover stepped down and released the leader key.</summary>
public sealed record StepDownConfirmed(Guid FailoverId, string Step, string? Node, string Detail, DateTimeOffset At) : IFailoverEvent;
