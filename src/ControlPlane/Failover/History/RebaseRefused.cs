namespace Conjur.EventSourced.ControlPlane.Failover.History;

/// <summary>A replica could not follow the new master; it stays out of service until re-enrolled.</summary>
public sealed record RebaseRefused(Guid FailoverId, string Step, string? Node, string Detail, DateTimeOffset At) : IFailoverEvent;
