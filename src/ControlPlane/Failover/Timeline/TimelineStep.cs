namespace Conjur.EventSourced.ControlPlane.Failover.Timeline;

/// <param name="Event">The stored event's type (snake_case), e.g. promotion_requested.</param>
/// <param name="DurationMs">Until the next step; null for the last step of a running saga and for the final one.</param>
public sealed record TimelineStep(string Event, string Step, string? Node, string Detail, DateTimeOffset At, double? DurationMs);
