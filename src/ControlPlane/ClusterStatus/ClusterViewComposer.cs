using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.ControlPlane.Heartbeats;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.ControlPlane.ClusterStatus;

/// <summary>
/// Turns the per-node projections into the cluster view at read time. Two judgements need the clock
/// or another node's stream and so cannot live in a single-stream projection: staleness (no heartbeat
/// for 3 intervals) and whether a replica streams from the master (only the master's
/// <c>pg_stat_replication</c> knows). Composing here costs nothing per heartbeat; writing a derived
/// fact into every replica's stream on each master report would double the writes and put words in
/// the replica's stream that the replica never said.
/// </summary>
public static class ClusterViewComposer
{
    public const int StaleAfterIntervals = 3;

    public static ClusterView Compose(ClusterConfig config, IReadOnlyCollection<NodeStatus> statuses, DateTimeOffset now)
    {
        var staleAfter = TimeSpan.FromMilliseconds(StaleAfterIntervals * config.Failover.HeartbeatIntervalMs);
        var byId = statuses.Where(s => s.ClusterId == config.ClusterId).ToDictionary(s => s.NodeId);
        var ids = config.Nodes.Select(n => n.Id).Concat(byId.Keys.Order(StringComparer.Ordinal)).Distinct().ToList();
        var own = ids.ToDictionary(id => id, id => OwnHealth(byId.GetValueOrDefault(id), now, staleAfter));

        // Two healthy masters would break S1; the higher timeline is the later promotion, so it wins here.
        var master = ids
            .Select(id => byId.GetValueOrDefault(id))
            .Where(s => s is not null && s.Role == NodeRoles.Master && own[s.NodeId].Healthy)
            .OrderByDescending(s => s!.Timeline ?? -1)
            .ThenByDescending(s => s!.LastHeartbeatAt)
            .FirstOrDefault();
        var masterReporting = master?.LastLagReportAt is { } reportedAt && now - reportedAt <= staleAfter;

        var nodes = ids.Select(id =>
        {
            var status = byId.GetValueOrDefault(id);
            var (healthy, problem) = own[id];
            var replica = master is null || id == master.NodeId ? null : master.Replicas.FirstOrDefault(r => r.NodeId == id);
            if (healthy && status!.Role == NodeRoles.Master && id != master?.NodeId)
            {
                (healthy, problem) = (false, $"also claims to be master ({master?.NodeId} is)");
            }
            else if (healthy && masterReporting && id != master!.NodeId && replica is null)
            {
                (healthy, problem) = (false, "not streaming from the master");
            }
            return new NodeView(
                Id: id,
                Role: status?.Role,
                Healthy: healthy,
                PostgresRunning: status?.PostgresRunning ?? false,
                Fenced: status?.Fenced ?? false,
                Problem: problem,
                Sync: status?.Role == NodeRoles.Standby && replica is not null ? replica.SyncState == "sync" : null,
                SyncState: replica?.SyncState,
                LastHeartbeatAt: status?.LastHeartbeatAt,
                HeartbeatAgeMs: status?.LastHeartbeatAt is { } at ? AgeMs(now, at) : null,
                LagBytes: status?.LagBytes,
                LagSeconds: status?.LagSeconds,
                WalPosition: status?.WalPosition,
                Timeline: status?.Timeline,
                HeartbeatCount: status?.HeartbeatCount ?? 0);
        }).ToList();

        var alive = own.Where(kv => byId.GetValueOrDefault(kv.Key)?.LastHeartbeatAt is { } at && now - at <= staleAfter)
            .Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
        return new ClusterView(config.ClusterId, master?.NodeId, now, nodes, FailoverReadiness.Judge(config, nodes, master?.NodeId, alive));
    }

    /// <summary>What the node's own reports allow us to say, before the master's word is added.</summary>
    private static (bool Healthy, string? Problem) OwnHealth(NodeStatus? status, DateTimeOffset now, TimeSpan staleAfter)
    {
        if (status?.LastHeartbeatAt is not { } at)
        {
            return (false, "no heartbeat received");
        }
        if (now - at > staleAfter)
        {
            return (false, $"no heartbeat for {AgeMs(now, at)} ms");
        }
        return status.Healthy ? (true, null) : (false, status.Problem ?? "unhealthy");
    }

    // Agent and control plane clocks differ a little across hosts: never report a negative age.
    private static long AgeMs(DateTimeOffset now, DateTimeOffset at) => Math.Max(0, (long)(now - at).TotalMilliseconds);
}
