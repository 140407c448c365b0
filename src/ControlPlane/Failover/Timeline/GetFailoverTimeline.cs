using Conjur.EventSourced.ControlPlane.Failover.History;
using Conjur.EventSourced.Hosting.Topology;
using Marten;

namespace Conjur.EventSourced.ControlPlane.Failover.Timeline;

/// <summary><c>GET /api/failovers/timeline</c> (every saga, newest first) and <c>GET /api/failovers/{id}/timeline</c>.</summary>
public static class GetFailoverTimeline
{
    public static async Task<IReadOnlyList<FailoverTimeline>> ListAsync(ClusterConfig config, IQuerySession session, CancellationToken ct) =>
        await session.Query<FailoverTimeline>().Where(t => t.ClusterId == config.ClusterId).OrderByDescending(t => t.StartedAt).ToListAsync(ct);

    public static async Task<IResult> OneAsync(Guid id, ClusterConfig config, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<FailoverTimeline>(FailoverStream.Key(config.ClusterId, id), ct) is { } timeline
            ? Results.Ok(timeline)
            : Results.NotFound(new { error = $"no timeline for failover {id} in cluster '{config.ClusterId}' (yet: the projection runs a moment behind the saga)" });
}
