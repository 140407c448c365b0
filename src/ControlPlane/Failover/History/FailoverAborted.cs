namespace Conjur.EventSourced.ControlPlane.Failover.History;

/// <summary>The failover could not finish; FailoverFailed was published.</summary>
public sealed record FailoverAborted(Guid FailoverId, string Step, string? Node, string Detail, DateTimeOffset At) : IFailoverEvent;
