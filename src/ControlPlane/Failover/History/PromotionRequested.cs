namespace Conjur.EventSourced.ControlPlane.Failover.History;

/// <summary>PromoteStandby was sent to the candidate.</summary>
public sealed record PromotionRequested(Guid FailoverId, string Step, string? Node, string Detail, DateTimeOffset At) : IFailoverEvent;
