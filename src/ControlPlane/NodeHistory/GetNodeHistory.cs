using Conjur.EventSourced.ControlPlane.Heartbeats;
using Conjur.EventSourced.Hosting.Topology;
using Marten;

namespace Conjur.EventSourced.ControlPlane.NodeHistory;

/// <summary><c>GET /api/nodes/{id}/history</c>: the node's state changes in words, from the node history projection.</summary>
public static class GetNodeHistory
{
    public static async Task<IResult> HandleAsync(string id, ClusterConfig config, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<NodeHistory>(NodeStream.Key(config.ClusterId, id), ct) is { } history
            ? Results.Ok(new { history.NodeId, history.FirstSeenAt, history.ChangeReports, history.CompactedReports, history.Changes })
            : Results.NotFound(new { error = $"node '{id}' has no history in cluster '{config.ClusterId}' (yet: the projection runs a moment behind)" });
}
