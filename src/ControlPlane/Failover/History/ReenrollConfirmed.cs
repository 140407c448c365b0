namespace Conjur.EventSourced.ControlPlane.Failover.History;

/// <summary>The former master of a switchover follows the new master.</summary>
public sealed record ReenrollConfirmed(Guid FailoverId, string Step, string? Node, string Detail, DateTimeOffset At) : IFailoverEvent;
