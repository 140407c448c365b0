using System.Diagnostics;
using Conjur.EventSourced.Hosting.Topology;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Conjur.EventSourced.Hosting.Telemetry;

/// <summary>
/// Metrics and traces for every Conjur process, set up one way: every Meter and ActivitySource whose
/// name starts with <see cref="Prefix"/> plus MassTransit's (so a trace crosses the bus), spans appended
/// to a bounded JSON-lines file in the cluster's log folder (always), and OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. The Prometheus endpoint is added by the web processes.
/// </summary>
public static class ConjurTelemetry
{
    public const string Prefix = "Conjur.EventSourced.";
    public const string MassTransitSource = "MassTransit";
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The folder every process of a cluster writes its spans to.</summary>
    public static string TracesDir(ClusterConfig config) => Path.Combine(config.LogsDir, "traces");

    public static string SpanFile(ClusterConfig config, string serviceInstance) =>
        Path.Combine(TracesDir(config), $"{serviceInstance}.spans.jsonl");

    /// <param name="serviceName">OpenTelemetry's service.name, e.g. conjur-controlplane.</param>
    /// <param name="serviceInstance">This process among its kind, e.g. the node id: also the span file's name.</param>
    /// <param name="metrics">Adds the exporter the process serves (Prometheus).</param>
    public static IServiceCollection AddConjurTelemetry(this IServiceCollection services, ClusterConfig config, string serviceName,
        string serviceInstance, Action<MeterProviderBuilder> metrics)
    {
        var otlp = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OtlpEndpointVariable));
        var spanFile = SpanFile(config, serviceInstance);
        services.AddOpenTelemetry()
            .ConfigureResource(r => r
                .AddService(serviceName, serviceInstanceId: serviceInstance)
                .AddAttributes([new("conjur.cluster", config.ClusterId)]))
            .WithMetrics(m =>
            {
                m.AddMeter(Prefix + "*", MassTransitSource);
                metrics(m);
                if (otlp)
                {
                    m.AddOtlpExporter();
                }
            })
            .WithTracing(t =>
            {
                t.AddSource(Prefix + "*", MassTransitSource)
                    .SetSampler(new ConjurRootsSampler())
                    // Short delay: an operator (or a test) reads a failover's spans a second after it ends.
                    .AddProcessor(new BatchActivityExportProcessor(new JsonLinesSpanExporter(spanFile, serviceName, serviceInstance),
                        maxQueueSize: 4096, scheduledDelayMilliseconds: 500, exporterTimeoutMilliseconds: 5000, maxExportBatchSize: 512));
                if (otlp)
                {
                    t.AddOtlpExporter();
                }
            });
        return services;
    }
}

/// <summary>
/// Traces start only where Conjur starts them (a failover, an operator's request): a MassTransit span
/// with no parent, i.e. each heartbeat and lag report, is dropped, and with it the consume on the
/// other side, which would otherwise be a few spans per node per second. Everything below a recorded
/// parent is recorded.
/// </summary>
public sealed class ConjurRootsSampler : Sampler
{
    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        if (samplingParameters.ParentContext.TraceId != default)
        {
            return (samplingParameters.ParentContext.TraceFlags & ActivityTraceFlags.Recorded) != 0
                ? new SamplingResult(SamplingDecision.RecordAndSample)
                : new SamplingResult(SamplingDecision.Drop);
        }
        // The sampler is not told the source, and MassTransit names spans after exchanges that may begin
        // with the prefix too: a root is Conjur's when it is started with a failover id.
        return IsConjurRoot(samplingParameters.Tags)
            ? new SamplingResult(SamplingDecision.RecordAndSample)
            : new SamplingResult(SamplingDecision.Drop);
    }

    private static bool IsConjurRoot(IEnumerable<KeyValuePair<string, object?>>? tags) =>
        tags?.Any(t => t.Key == SpanTags.FailoverId) == true;
}
