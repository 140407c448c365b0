using Conjur.EventSourced.ControlPlane.Heartbeats;
using Conjur.EventSourced.Hosting.Topology;
using Marten;

namespace Conjur.EventSourced.ControlPlane.NodeHistory;

/// <summary>
/// <c>GET /api/nodes/{id}/events?limit=N</c>: the latest events of a node, newest first: its permanent
/// stream (state changes) and its heartbeat day streams (raw reports), merged in store order.
/// <c>version</c> is each event's version in its own stream; <c>stream</c> and the top-level version are the permanent stream's.
/// </summary>
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
        // Newest first by sequence: the scan stops after the node's latest events, however long its history.
        var days = key + NodeStream.HeartbeatsSegment;
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamKey == key || e.StreamKey!.StartsWith(days))
            .OrderByDescending(e => e.Sequence)
            .Take(take)
            .ToListAsync(ct);
        var views = events
            .Select(e => new NodeEventView(e.Version, e.EventTypeName, (e.Data as INodeEvent)?.ObservedAt, e.Timestamp, e.Data))
            .ToList();
        return Results.Ok(new NodeEventsView(id, key, state.Version, views));
    }

    public static IEndpointRouteBuilder MapNodeHistory(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/nodes/{id}/events", HandleAsync);
        return app;
    }
}
