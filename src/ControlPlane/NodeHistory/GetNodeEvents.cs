using Conjur.EventSourced.ControlPlane.Heartbeats;
using Conjur.EventSourced.Hosting.Topology;
using Marten;
using Conjur.EventSourced.ControlPlane.Access;

namespace Conjur.EventSourced.ControlPlane.NodeHistory;

/// <summary><c>GET /api/nodes/{id}/events?limit=N</c>: the latest events of a node's stream.</summary>
public static class GetNodeEvents
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 1000;

    public static async Task<IResult> HandleAsync(string id, int? limit, ClusterConfig config, IQuerySession session, CancellationToken ct)
    {
        var take = Math.Clamp(limit ?? DefaultLimit, 1, MaxLimit);
        var key = NodeStream.Key(config.ClusterId, id);
        var state = await session.Events.FetchStreamStateAsync(key, ct);
        if (state is null)
        {
            return Results.NotFound(new { error = $"node '{id}' has no events in cluster '{config.ClusterId}'" });
        }
        // Reading from a version keeps this an index range on the stream, however long it has grown.
        var events = await session.Events.FetchStreamAsync(key, fromVersion: Math.Max(1, state.Version - take + 1), token: ct);
        var views = events
            .OrderByDescending(e => e.Version)
            .Select(e => new NodeEventView(e.Version, e.EventTypeName, (e.Data as INodeEvent)?.ObservedAt, e.Timestamp, e.Data))
            .ToList();
        return Results.Ok(new NodeEventsView(id, key, state.Version, views));
    }

    public static IEndpointRouteBuilder MapNodeHistory(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/nodes/{id}/events", HandleAsync).ForViewers();
        return app;
    }
}
