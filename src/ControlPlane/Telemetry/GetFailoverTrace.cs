using Conjur.EventSourced.Hosting.Telemetry;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.ControlPlane.Access;

namespace Conjur.EventSourced.ControlPlane.Telemetry;

/// <summary>
/// <c>GET /api/traces/{failoverId}</c>: the failover's trace as every process of this host recorded it
/// in the cluster's span files (logs/traces), oldest span first. 404 when no span names the failover.
/// </summary>
public static class GetFailoverTrace
{
    public static IResult Handle(Guid failoverId, ClusterConfig config)
    {
        var spans = SpanLog.ForFailover(ConjurTelemetry.TracesDir(config), failoverId);
        if (spans.Count == 0)
        {
            return Results.NotFound(new { error = $"no recorded span names failover {failoverId} (spans are in {ConjurTelemetry.TracesDir(config)})" });
        }
        return Results.Ok(new
        {
            failoverId,
            traceIds = spans.Select(s => s.TraceId).Distinct().ToList(),
            services = spans.Select(s => $"{s.Service}/{s.Instance}").Distinct().Order(StringComparer.Ordinal).ToList(),
            spans,
        });
    }

    public static IEndpointRouteBuilder MapTelemetry(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/traces/{failoverId:guid}", Handle).ForViewers();
        app.MapPrometheusScrapingEndpoint("/metrics").ForViewers();
        return app;
    }
}
