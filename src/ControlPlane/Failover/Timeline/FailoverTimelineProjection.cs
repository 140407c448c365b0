using Conjur.EventSourced.ControlPlane.Failover.History;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace Conjur.EventSourced.ControlPlane.Failover.Timeline;

/// <summary>
/// One <see cref="FailoverTimeline"/> per <c>{cluster}/failover/{id}</c> stream. Async (the daemon):
/// nothing decides on it, a timeline a few hundred milliseconds behind the saga is fine for a
/// dashboard, and it keeps the saga's own transactions short. Every failover event carries its step,
/// node and time (<see cref="IFailoverEvent"/>), so one step function serves every type.
/// </summary>
public sealed class FailoverTimelineProjection : SingleStreamProjection<FailoverTimeline, string>
{
    public const string ProjectionName = "FailoverTimeline";

    public FailoverTimelineProjection() => Name = ProjectionName;

    public static FailoverTimeline Create(IEvent<FailoverInitiated> e) => Step(new FailoverTimeline
    {
        Id = e.StreamKey!,
        ClusterId = ClusterOf(e.StreamKey!),
        FailoverId = e.Data.FailoverId,
        StartedAt = e.Data.At,
    }, e);

    public static FailoverTimeline Apply(IEvent<StepDownRequested> e, FailoverTimeline t) => Step(t, e);
    public static FailoverTimeline Apply(IEvent<StepDownConfirmed> e, FailoverTimeline t) => Step(t, e);
    public static FailoverTimeline Apply(IEvent<PromotionRequested> e, FailoverTimeline t) => Step(t, e);
    public static FailoverTimeline Apply(IEvent<CandidateReplaced> e, FailoverTimeline t) => Step(t, e);
    public static FailoverTimeline Apply(IEvent<PromotionRefused> e, FailoverTimeline t) => Step(t, e);
    public static FailoverTimeline Apply(IEvent<PromotionConfirmed> e, FailoverTimeline t) => Step(t, e);
    public static FailoverTimeline Apply(IEvent<RebaseRequested> e, FailoverTimeline t) => Step(t, e);
    public static FailoverTimeline Apply(IEvent<RebaseConfirmed> e, FailoverTimeline t) => Step(t, e);
    public static FailoverTimeline Apply(IEvent<RebaseRefused> e, FailoverTimeline t) => Step(t, e);
    public static FailoverTimeline Apply(IEvent<ReenrollRequested> e, FailoverTimeline t) => Step(t, e);
    public static FailoverTimeline Apply(IEvent<ReenrollConfirmed> e, FailoverTimeline t) => Step(t, e);
    public static FailoverTimeline Apply(IEvent<StepTimedOut> e, FailoverTimeline t) => Step(t, e);
    public static FailoverTimeline Apply(IEvent<FailoverSucceeded> e, FailoverTimeline t) => Step(t, e) with { Outcome = "completed", EndedAt = e.Data.At };
    public static FailoverTimeline Apply(IEvent<FailoverAborted> e, FailoverTimeline t) => Step(t, e) with { Outcome = "failed", EndedAt = e.Data.At };

    private static string ClusterOf(string streamKey) => streamKey[..Math.Max(0, streamKey.IndexOf("/failover/", StringComparison.Ordinal))];

    /// <summary>Appends the step and closes the previous one's duration.</summary>
    public static FailoverTimeline Step<T>(FailoverTimeline t, IEvent<T> e)
        where T : IFailoverEvent
    {
        var steps = t.Steps.ToList();
        if (steps.Count > 0)
        {
            steps[^1] = steps[^1] with { DurationMs = Math.Max(0, (e.Data.At - steps[^1].At).TotalMilliseconds) };
        }
        steps.Add(new TimelineStep(e.EventTypeName, e.Data.Step, e.Data.Node, e.Data.Detail, e.Data.At, null));
        return t with { Steps = steps };
    }
}
