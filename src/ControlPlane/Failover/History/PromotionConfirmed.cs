namespace Conjur.EventSourced.ControlPlane.Failover.History;

/// <summary>A node reported it holds leader on a new timeline.</summary>
public sealed record PromotionConfirmed(Guid FailoverId, string Step, string? Node, string Detail, DateTimeOffset At) : IFailoverEvent;
