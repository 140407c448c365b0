namespace Conjur.EventSourced.ControlPlane.Failover.History;

/// <summary>A new promotion-lock winner replaced a candidate presumed dead.</summary>
public sealed record CandidateReplaced(Guid FailoverId, string Step, string? Node, string Detail, DateTimeOffset At) : IFailoverEvent;
