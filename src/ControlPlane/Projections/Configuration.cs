using Conjur.EventSourced.ControlPlane.Access;
using Conjur.EventSourced.ControlPlane.Heartbeats;
using JasperFx.Events.Daemon;
using Marten;

namespace Conjur.EventSourced.ControlPlane.Projections;

public static class Configuration
{
    /// <summary>
    /// <c>GET /api/projections</c>: each projection, its lifecycle and how far it has read;
    /// <c>POST /api/projections/rebuild[?projection=NAME]</c>: replay the store into them, timed.
    /// </summary>
    public static IEndpointRouteBuilder MapProjections(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/projections", async (IDocumentStore store, CancellationToken ct) =>
        {
            var stats = await store.Advanced.FetchEventStoreStatistics(token: ct);
            var progress = await store.Advanced.AllProjectionProgress(token: ct);
            return Results.Ok(new
            {
                events = stats.EventCount,
                lastSequence = stats.EventSequenceNumber,
                projections = ProjectionRebuild.All.Select(p => new
                {
                    name = p.Name,
                    lifecycle = p.Lifecycle,
                    sequence = p.Lifecycle == "inline" ? stats.EventSequenceNumber : progress.FirstOrDefault(s => s.ShardName.StartsWith(p.Name, StringComparison.Ordinal))?.Sequence,
                }),
            });
        }).ForViewers();
        app.MapPost("/api/projections/rebuild", async (string? projection, IProjectionCoordinator coordinator, IDocumentStore store,
            NodeEventRecorder recorder, CancellationToken ct) =>
        {
            if (projection is not null && !ProjectionRebuild.All.Any(p => string.Equals(p.Name, projection, StringComparison.OrdinalIgnoreCase)))
            {
                return Results.BadRequest(new { error = $"no projection '{projection}'; there are {string.Join(", ", ProjectionRebuild.All.Select(p => p.Name))}" });
            }
            var stats = await store.Advanced.FetchEventStoreStatistics(token: ct);
            var report = await ProjectionRebuild.RunAsync(coordinator.DaemonForMainDatabase(), projection, stats.EventCount, ct);
            await recorder.ForgetCachedStatusAsync(ct);
            return Results.Ok(report);
        }).ForOperators();
        return app;
    }
}
