using Marten;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.ControlPlane.Access;

namespace Conjur.EventSourced.ControlPlane.ClusterHistory;

/// <summary>
/// <c>GET /api/cluster/events?limit=N</c>: the latest facts of the cluster's own stream (leader lost,
/// failover blocked, master changed, re-enrolments), newest first.
/// </summary>
public static class GetClusterEvents
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1000;

    public static async Task<IResult> HandleAsync(int? limit, ClusterConfig config, IQuerySession session, CancellationToken ct)
    {
        var take = Math.Clamp(limit ?? DefaultLimit, 1, MaxLimit);
        var key = ClusterStream.Key(config.ClusterId);
        var state = await session.Events.FetchStreamStateAsync(key, ct);
        if (state is null)
        {
            return Results.Ok(new { stream = key, version = 0L, events = Array.Empty<object>() });
        }
        var events = await session.Events.FetchStreamAsync(key, fromVersion: Math.Max(1, state.Version - take + 1), token: ct);
        return Results.Ok(new
        {
            stream = key,
            version = state.Version,
            events = events.OrderByDescending(e => e.Version)
                .Select(e => new { version = e.Version, type = e.EventTypeName, recordedAt = e.Timestamp, data = e.Data })
                .ToList(),
        });
    }

    public static IEndpointRouteBuilder MapClusterHistory(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/cluster/events", HandleAsync).ForViewers();
        return app;
    }
}
