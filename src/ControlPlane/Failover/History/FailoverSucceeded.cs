namespace Conjur.EventSourced.ControlPlane.Failover.History;

/// <summary>The failover completed; FailoverCompleted was published.</summary>
public sealed record FailoverSucceeded(Guid FailoverId, string Step, string? Node, string Detail, DateTimeOffset At) : IFailoverEvent;
