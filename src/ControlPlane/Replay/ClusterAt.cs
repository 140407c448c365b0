using Conjur.EventSourced.ControlPlane.ClusterStatus;
using Conjur.EventSourced.ControlPlane.Heartbeats;
using Conjur.EventSourced.Hosting.Topology;
using Marten;

namespace Conjur.EventSourced.ControlPlane.Replay;

/// <summary>
/// The cluster as the control plane knew it at a past time T, rebuilt from the events: each node's
/// status folded from its events stored up to T,
/// then judged at T exactly as <c>GET /api/cluster</c> judges now (staleness, the master's word on sync).
/// <para>
/// Every status field is a "last seen" value, so folding a node's latest <see cref="EventsPerNode"/>
/// events up to T gives the same status as folding its whole history, except <c>heartbeatCount</c>, which
/// here counts only those. Past the heartbeat retention window the raw heartbeats are compacted: the
/// roles, health and master are still right (state changes are kept forever), but every node then
/// looks stale at T, as the heartbeats that showed it alive are gone.
/// </para>
/// </summary>
public static class ClusterAt
{
    public const int EventsPerNode = 200;

    public static async Task<ClusterView> RebuildAsync(ClusterConfig config, IQuerySession session, DateTimeOffset at, CancellationToken ct)
    {
        var nodeKeys = (await session.Query<NodeStatus>().Where(s => s.ClusterId == config.ClusterId).Select(s => s.Id).ToListAsync(ct))
            .Concat(config.Nodes.Select(n => NodeStream.Key(config.ClusterId, n.Id)))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var statuses = new List<NodeStatus>();
        foreach (var key in nodeKeys)
        {
            var events = await session.Events.QueryAllRawEvents()
                .Where(e => e.StreamKey == key && e.Timestamp <= at)
                .OrderByDescending(e => e.Version)
                .Take(EventsPerNode)
                .ToListAsync(ct);
            NodeStatus? status = null;
            foreach (var e in events.OrderBy(e => e.Version))
            {
                if (e.Data is INodeEvent report)
                {
                    status = NodeStatusProjection.Evolve(status, report);
                }
            }
            if (status is not null)
            {
                statuses.Add(status);
            }
        }
        return ClusterViewComposer.Compose(config, statuses, at) with { At = at };
    }
}
