namespace Conjur.EventSourced.ControlPlane.Failover.History;

/// <summary>ReenrollNode was sent to the former master of a switchover.</summary>
public sealed record ReenrollRequested(Guid FailoverId, string Step, string? Node, string Detail, DateTimeOffset At) : IFailoverEvent;
