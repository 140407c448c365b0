namespace Conjur.EventSourced.ControlPlane.Failover.History;

/// <summary>The saga took charge: kind, former master and first candidate are in the detail.</summary>
public sealed record FailoverInitiated(Guid FailoverId, string Step, string? Node, string Detail, DateTimeOffset At) : IFailoverEvent;
