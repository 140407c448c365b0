namespace Conjur.EventSourced.ControlPlane.Failover.History;

/// <summary>The candidate answered PromotionFailed (it released the lock).</summary>
public sealed record PromotionRefused(Guid FailoverId, string Step, string? Node, string Detail, DateTimeOffset At) : IFailoverEvent;
