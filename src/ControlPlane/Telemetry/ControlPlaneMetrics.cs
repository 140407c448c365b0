using System.Diagnostics.Metrics;
using Conjur.EventSourced.Hosting.Telemetry;

namespace Conjur.EventSourced.ControlPlane.Telemetry;

/// <summary>
/// The control plane's own instruments (docs/observability.md). Static because the saga's transitions
/// are plain static methods; a transition retried after an optimistic-concurrency conflict runs twice
/// and may count twice, which a rate over minutes does not notice.
/// </summary>
public static class ControlPlaneMetrics
{
    public const string MeterName = ConjurTelemetry.Prefix + "ControlPlane";
    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Ingested = Meter.CreateCounter<long>("conjur.controlplane.heartbeats.ingested", "{message}",
        "Agent reports appended to the store, by type (heartbeat, lag_report).");

    private static readonly Counter<long> Failovers = Meter.CreateCounter<long>("conjur.controlplane.failovers", "{failover}",
        "Failovers that ended, by outcome (completed, failed) and kind; blocked: a standby found the failover unsafe.");

    private static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>("conjur.controlplane.failover.step.duration", "s",
        "How long each step of a failover saga took, from the first event of the step to the first of the next.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120] });

    private static readonly Counter<long> Refused = Meter.CreateCounter<long>("conjur.controlplane.api.refused", "{request}",
        "API requests refused before their route ran, by reason (no-credential, wrong-credential, cookie-not-accepted, viewer-cannot-mutate, " +
        "not-json, host-not-allowed) and route kind (read, mutate, session).");

    public static void ApiRefused(string reason, Access.RouteKind kind) =>
        Refused.Add(1, new KeyValuePair<string, object?>("reason", reason), new KeyValuePair<string, object?>("route", kind.ToString().ToLowerInvariant()));

    public static void HeartbeatsIngested(int count, string type) => Ingested.Add(count, new KeyValuePair<string, object?>("type", type));

    public static void FailoverEnded(string outcome, string kind) =>
        Failovers.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("kind", kind));

    public static void StepEnded(string step, TimeSpan duration) =>
        StepDuration.Record(Math.Max(0, duration.TotalSeconds), new KeyValuePair<string, object?>("step", step));
}
