namespace Conjur.EventSourced.ControlPlane.Failover.History;

/// <summary>A replica follows the new master.</summary>
public sealed record RebaseConfirmed(Guid FailoverId, string Step, string? Node, string Detail, DateTimeOffset At) : IFailoverEvent;
