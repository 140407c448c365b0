using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.ControlPlane.ClusterStatus;
using Conjur.EventSourced.Hosting.Topology;
using Marten;

namespace Conjur.EventSourced.ControlPlane.Failover;

/// <summary>Cluster members from the <see cref="NodeStatus"/> projection, judged as <c>GET /api/cluster</c> judges them.</summary>
public sealed class ProjectedClusterMembers(IDocumentStore store, ClusterConfig config, TimeProvider clock) : IClusterMembersReader
{
    public async Task<ClusterMembers> ReadAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var statuses = await session.Query<NodeStatus>().Where(s => s.ClusterId == config.ClusterId).ToListAsync(ct);
        var view = ClusterViewComposer.Compose(config, statuses, clock.GetUtcNow());
        // A dead master is no longer "the master" of the view, but a forced promotion must still name it
        // as the former master so its agent removes it from members and it fences.
        var lastKnown = view.Master ?? statuses
            .Where(s => s.Role == NodeRoles.Master)
            .OrderByDescending(s => s.Timeline ?? -1)
            .ThenByDescending(s => s.LastHeartbeatAt)
            .Select(s => s.NodeId)
            .FirstOrDefault();
        return new ClusterMembers(view.Master, lastKnown, [.. view.Nodes.Select(n => n.Id)],
            [.. view.Nodes.Where(n => n.Fenced).Select(n => n.Id)],
            view.Nodes.Where(n => n.Role is not null).ToDictionary(n => n.Id, n => n.Role!));
    }
}
