namespace Conjur.EventSourced.ControlPlane.Failover.Timeline;

/// <summary>
/// One failover saga drawn as a timeline: every step in order, each with how long it took until the next
/// one (the last step's duration is null while the saga runs). Read model of <see cref="FailoverTimelineProjection"/>.
/// </summary>
public sealed record FailoverTimeline
{
    /// <summary>The failover stream's key, <c>{cluster}/failover/{id}</c>.</summary>
    public string Id { get; init; } = "";
    public string ClusterId { get; init; } = "";
    public Guid FailoverId { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>running, completed or failed.</summary>
    public string Outcome { get; init; } = "running";
    public IReadOnlyList<TimelineStep> Steps { get; init; } = [];

    public double? TotalMs => EndedAt is { } end ? (end - StartedAt).TotalMilliseconds : null;
}
