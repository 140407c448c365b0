using System.Diagnostics;
using Conjur.EventSourced.Hosting.Telemetry;
using Conjur.EventSourced.NodeAgent.Telemetry;
using Conjur.EventSourced.Tests.Integration.Dashboard;
using OpenTelemetry.Trace;

namespace Conjur.EventSourced.Tests.Unit.Telemetry;

public sealed class TelemetryTests
{
    [Theory]
    [InlineData("renewed leader lease", "renewed leader lease")]
    [InlineData("failover blocked for node1 (term 4): node2 is behind", "failover blocked for node")]
    [InlineData("following node1 on timeline 3", "following node on timeline")]
    [InlineData("demoted: lost leader lease", "demoted")]
    public void CycleOutcome_BecomesABoundedLabel(string message, string label)
    {
        AgentMetrics.OutcomeLabel(message).ShouldBe(label);
    }

    [Fact]
    public void RootWithoutFailoverId_Dropped_ChildOfRecordedSpan_Recorded()
    {
        var sampler = new ConjurRootsSampler();
        var heartbeat = new SamplingParameters(default, ActivityTraceId.CreateRandom(), "Conjur.EventSourced.Contracts.Nodes:NodeHeartbeat send", ActivityKind.Producer);
        sampler.ShouldSample(heartbeat).Decision.ShouldBe(SamplingDecision.Drop);

        var failover = new SamplingParameters(default, ActivityTraceId.CreateRandom(), SpanTags.FailoverSpan, ActivityKind.Internal,
            [new(SpanTags.FailoverId, Guid.NewGuid().ToString())]);
        sampler.ShouldSample(failover).Decision.ShouldBe(SamplingDecision.RecordAndSample);

        var parent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        sampler.ShouldSample(new SamplingParameters(parent, parent.TraceId, "queue receive", ActivityKind.Consumer)).Decision.ShouldBe(SamplingDecision.RecordAndSample);
    }

    [Fact]
    public void SpanFiles_FailoverTraceGatheredAcrossProcesses_BrokenLinesSkipped()
    {
        var dir = Path.Combine(Path.GetTempPath(), "conjur-spans-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var failover = Guid.NewGuid();
            var trace = ActivityTraceId.CreateRandom().ToHexString();
            Write(dir, "node2", Span(trace, 0, "root", null, "node2", new() { [SpanTags.FailoverId] = failover.ToString() }));
            Write(dir, "controlplane", Span(trace, 5, "saga", "root", "controlplane", []), "{ cut short by a crash");
            Write(dir, "node3", Span(ActivityTraceId.CreateRandom().ToHexString(), 1, "other", null, "node3", []));

            var spans = SpanLog.ForFailover(dir, failover);

            spans.Select(s => s.Instance).ShouldBe(["node2", "controlplane"]);
            SpanLog.ForFailover(dir, Guid.NewGuid()).ShouldBeEmpty();
            SpanLog.ForFailover(Path.Combine(dir, "missing"), failover).ShouldBeEmpty();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void PrometheusText_ParsedIntoSamples()
    {
        var samples = Prometheus.Parse("""
            # TYPE conjur_agent_leader_lease_renewals_total counter
            conjur_agent_leader_lease_renewals_total{otel_scope_name="Conjur.EventSourced.NodeAgent",node="node1",result="ok"} 46 1764177189000
            conjur_controlplane_failover_step_duration_seconds_bucket{step="promoting",le="+Inf"} 1
            target_info 1
            """);

        samples.Sum("conjur_agent_leader_lease_renewals_total", ("node", "node1"), ("result", "ok")).ShouldBe(46);
        samples.Sum("conjur_controlplane_failover_step_duration_seconds_bucket", ("le", "+Inf")).ShouldBe(1);
        samples.Count.ShouldBe(3);
    }

    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 17, 0, 0, TimeSpan.Zero);

    private static string Span(string trace, int atMs, string id, string? parent, string instance, Dictionary<string, string?> tags) =>
        System.Text.Json.JsonSerializer.Serialize(new SpanRecord(trace, id, parent, id, "test", "Internal", "svc", instance,
            T0.AddMilliseconds(atMs), 1, "Unset", tags), SpanLog.Json);

    private static void Write(string dir, string instance, params string[] lines) =>
        File.WriteAllLines(Path.Combine(dir, $"{instance}.spans.jsonl"), lines);
}
