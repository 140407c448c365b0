namespace Conjur.EventSourced.ControlPlane.Failover.History;

/// <summary>RebaseStandby was sent to a replica.</summary>
public sealed record RebaseRequested(Guid FailoverId, string Step, string? Node, string Detail, DateTimeOffset At) : IFailoverEvent;
