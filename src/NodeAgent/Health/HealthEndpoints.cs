using System.Globalization;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Audit;
using Conjur.EventSourced.NodeAgent.Ha;
using Conjur.EventSourced.NodeAgent.Heartbeats;
using Conjur.EventSourced.NodeAgent.Postgres;

namespace Conjur.EventSourced.NodeAgent.Health;

/// <summary>
/// <c>/health</c> in the shape Conjur operators know, and <c>/info</c>. The load balancer routes by the
/// status code alone: 200 only from a master that holds the leader lease with a writable Postgres (and
/// from healthy followers, which are not in the load balancer's pool), 503 from standbys.
/// </summary>
public static class HealthEndpoints
{
    public static void MapHealth(this WebApplication app)
    {
        app.MapGet("/health", (NodeState state, ClusterConfig config, NodeConfig node, HeartbeatQueue queue, DurableAuditTrail audit, CertificateExpiry certificates) =>
        {
            var s = state.Current;
            var now = DateTimeOffset.UtcNow;
            var body = HealthReport(s, config, node, queue.Depth, now);
            // Audit records on this node not yet acknowledged by the master (see docs/audit.md).
            body["audit_queue_depth"] = audit.QueueDepth;
            // Records the master refused as malformed, set aside so the rest still ship: above 0 needs a person.
            body["audit_quarantined"] = audit.Quarantined;
            // This node's certificates: 'expiring' turns true within tls.expiryWarningDays of an expiry (docs/tls.md).
            body["tls"] = certificates.Report();
            return Results.Json(body, statusCode: s.AcceptingRequestsAt(now) ? 200 : 503);
        });
        app.MapGet("/info", (NodeState state, ClusterConfig config, NodeConfig node, PostgresSupervisor postgres, HaCycle cycle) =>
        {
            var s = state.Current;
            return Results.Json(new Dictionary<string, object?>
            {
                ["id"] = node.Id,
                ["cluster"] = config.ClusterId,
                ["role"] = s.Role,
                ["async"] = s.Async,
                ["api"] = config.ApiUrl(node),
                ["postgres"] = $"{node.Host}:{node.PostgresPort}",
                ["agentPid"] = Environment.ProcessId,
                ["postgresPid"] = postgres.Pid,
                ["agentInstance"] = cycle.Instance,
                ["leader"] = s.LeaderId,
                ["outcome"] = s.Outcome,
                ["version"] = typeof(HealthEndpoints).Assembly.GetName().Version?.ToString(),
            });
        });
    }

    public static Dictionary<string, object?> HealthReport(NodeSnapshot s, ClusterConfig config, NodeConfig node, int queueDepth, DateTimeOffset now)
    {
        var pg = s.Postgres;
        var accepting = s.AcceptingRequestsAt(now);
        var body = new Dictionary<string, object?>
        {
            ["ok"] = accepting,
            ["role"] = s.Role,
            ["node"] = node.Id,
            ["cluster"] = config.ClusterId,
            ["services"] = new Dictionary<string, object> { ["possum"] = s.Healthy ? "ok" : "error", ["ok"] = s.Healthy },
            ["database"] = new Dictionary<string, object?>
            {
                ["ok"] = pg.Running,
                ["connect"] = new Dictionary<string, string> { ["main"] = pg.Running ? "ok" : pg.Error ?? "error" },
                ["replication_status"] = ReplicationStatus(s, config, node),
            },
            ["ha"] = new Dictionary<string, object?>
            {
                ["leader"] = s.LeaderId,
                ["holds_leader"] = s.HoldsLeader,
                ["fenced"] = s.Fenced,
                ["fence_reason"] = s.FenceReason,
                ["stepping_down"] = s.SteppingDown,
                ["member"] = s.IsMember,
                ["outcome"] = s.Outcome,
                ["updated_at"] = s.UpdatedAt,
            },
            ["heartbeat_queue_depth"] = queueDepth,
        };
        if (!accepting)
        {
            body["message"] = s.Role == "standby"
                ? "not accepting requests: this node is a standby"
                : $"not accepting requests: {s.Problem ?? (s.AcceptingRequests ? "the leader lease was not renewed in time" : "not ready")}";
        }
        return body;
    }

    private static Dictionary<string, object?> ReplicationStatus(NodeSnapshot s, ClusterConfig config, NodeConfig node)
    {
        var pg = s.Postgres;
        if (s.Role == "master")
        {
            // Several rows can share a name (two pg_basebackup clones at once): the first is enough for the summary.
            var rows = pg.Replicas.GroupBy(r => r.NodeId).ToDictionary(g => g.Key, g => g.First());
            // Every failover standby must be streaming; one that is missing makes replication unhealthy even though writes go on.
            var expected = (s.View is { } view
                ? PostgresSettings.SynchronousCandidates(config, node.Id, view.Members)
                : PostgresSettings.SynchronousCandidates(config, node.Id)).ToHashSet();
            var standbys = expected.OrderBy(x => x, StringComparer.Ordinal).Select(id => rows.TryGetValue(id, out var r)
                ? new Dictionary<string, object?>
                {
                    ["application_name"] = r.NodeId, ["state"] = r.State, ["sync_state"] = r.SyncState,
                    ["replay_lsn"] = Lsn(r.ReplayPosition), ["replication_lag_bytes"] = r.LagBytes,
                    ["replay_lag_seconds"] = r.ReplayLagSeconds, ["healthy"] = r.State == "streaming",
                }
                : new Dictionary<string, object?>
                {
                    ["application_name"] = id, ["state"] = "disconnected", ["sync_state"] = null, ["healthy"] = false,
                }).ToList();
            var others = pg.Replicas.Where(r => !expected.Contains(r.NodeId)).Select(r => new Dictionary<string, object?>
            {
                ["application_name"] = r.NodeId, ["state"] = r.State, ["sync_state"] = r.SyncState,
                ["replay_lsn"] = Lsn(r.ReplayPosition), ["replication_lag_bytes"] = r.LagBytes,
                ["replay_lag_seconds"] = r.ReplayLagSeconds, ["healthy"] = r.State == "streaming",
            });
            return new Dictionary<string, object?>
            {
                ["ok"] = pg.Running && standbys.All(r => r["healthy"] is true),
                ["pg_current_wal_lsn"] = Lsn(pg.CurrentWalPosition),
                ["pg_current_wal_lsn_bytes"] = pg.CurrentWalPosition,
                ["replication_lag_bytes"] = 0,
                ["timeline"] = pg.Timeline,
                ["pg_stat_replication"] = standbys.Concat(others).ToList(),
            };
        }
        return new Dictionary<string, object?>
        {
            ["ok"] = pg.Running && pg.Streaming,
            ["streaming"] = pg.Streaming,
            ["pg_last_wal_receive_lsn"] = Lsn(pg.ReceivePosition),
            ["pg_last_wal_replay_lsn"] = Lsn(pg.ReplayPosition),
            ["pg_last_wal_replay_lsn_bytes"] = pg.ReplayPosition,
            ["replication_lag_bytes"] = s.LagBytes,
            ["replication_lag_seconds"] = pg.ReplayDelaySeconds,
            ["timeline"] = pg.Timeline,
        };
    }

    /// <summary>Postgres' textual LSN form (X/Y) of a byte position.</summary>
    public static string? Lsn(long? position) => position is { } p
        ? string.Create(CultureInfo.InvariantCulture, $"{(p >> 32):X}/{(p & 0xFFFFFFFF):X}")
        : null;
}
