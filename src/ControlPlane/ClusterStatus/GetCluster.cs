using Conjur.EventSourced.Hosting.Topology;
using Marten;

namespace Conjur.EventSourced.ControlPlane.ClusterStatus;

/// <summary><c>GET /api/cluster</c>: every node's status, judged now.</summary>
public static class GetCluster
{
    public static async Task<ClusterView> HandleAsync(ClusterConfig config, IQuerySession session, TimeProvider clock, CancellationToken ct)
    {
        var statuses = await session.Query<NodeStatus>().Where(s => s.ClusterId == config.ClusterId).ToListAsync(ct);
        return ClusterViewComposer.Compose(config, statuses, clock.GetUtcNow());
    }
}
