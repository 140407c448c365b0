using Conjur.EventSourced.ControlPlane.Access;
using Conjur.EventSourced.Hosting.Topology;
using JasperFx.Events.Projections;
using Marten;

namespace Conjur.EventSourced.ControlPlane.ClusterStatus;

public static class Configuration
{
    /// <summary>
    /// Inline: the recorder seeds its in-memory copy from it, the failover saga and <c>GET /api/cluster</c>
    /// read it, and it must be exact after each commit (no daemon lag between an agent's report and the picture).
    /// </summary>
    public static void AddClusterStatusProjections(this StoreOptions options)
    {
        options.Projections.Add<NodeStatusProjection>(ProjectionLifecycle.Inline);
        options.Schema.For<NodeStatus>().Index(s => s.ClusterId);
    }

    public static IEndpointRouteBuilder MapClusterStatus(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/cluster", async (string? at, ClusterConfig config, IQuerySession session, TimeProvider clock, CancellationToken ct) =>
        {
            if (!Replay.QueryTime.TryParse(at, out var when, out var error))
            {
                return Results.BadRequest(new { error });
            }
            return when is { } t
                ? Results.Ok(await Replay.ClusterAt.RebuildAsync(config, session, t, ct))
                : Results.Ok(await GetCluster.HandleAsync(config, session, clock, ct));
        }).ForViewers();
        return app;
    }
}
