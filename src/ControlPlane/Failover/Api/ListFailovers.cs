using Conjur.EventSourced.Hosting.Topology;
using Marten;

namespace Conjur.EventSourced.ControlPlane.Failover.Api;

/// <summary><c>GET /api/failovers</c>: every failover of this cluster, newest first.</summary>
public static class ListFailovers
{
    public static async Task<IReadOnlyList<FailoverSummary>> HandleAsync(ClusterConfig config, IQuerySession session, CancellationToken ct)
    {
        var sagas = await session.Query<FailoverState>()
            .Where(s => s.ClusterId == config.ClusterId)
            .OrderByDescending(s => s.StartedAt)
            .ToListAsync(ct);
        return [.. sagas.Select(FailoverSummary.From)];
    }
}
