using System.Text.Json;
using System.Text.Json.Serialization;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Postgres;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Cli.Commands;

/// <summary>The document <c>cluster status --json</c> prints; its schema is documented in the README and relied on by scripts and tests.</summary>
public sealed record StatusReport(
    string Cluster,
    string StateDir,
    string ControlPlane,
    LoadBalancerStatus LoadBalancer,
    IReadOnlyList<string> Etcd,
    string Rabbitmq,
    string? Master,
    IReadOnlyList<NodeStatus> Nodes,
    OperatorFiles Operator,
    TlsFiles? Tls)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static async Task<StatusReport> CollectAsync(ClusterConfig config, CancellationToken ct)
    {
        var health = new Dictionary<string, NodeHealth>();
        var info = new Dictionary<string, JsonElement?>();
        await Task.WhenAll(config.Nodes.Select(async n =>
        {
            var h = await ClusterLauncher.HealthAsync(config, n, ct);
            var i = await ClusterLauncher.InfoAsync(config, n, ct);
            lock (health)
            {
                health[n.Id] = h;
                info[n.Id] = i;
            }
        }));
        var master = config.Nodes.FirstOrDefault(n => health[n.Id].Role == "master" && health[n.Id].StatusCode == 200);
        var syncStates = master is not null ? SyncStates(health[master.Id]) : new Dictionary<string, string>();
        var nodes = config.Nodes.Select(n =>
        {
            var h = health[n.Id];
            var i = info[n.Id];
            var role = h.Role ?? n.Role.ToString().ToLowerInvariant();
            bool? sync = role == "standby" ? syncStates.GetValueOrDefault(n.Id) == "sync" : null;
            return new NodeStatus(n.Id, role, sync, n.Async, config.ApiUrl(n), $"{n.Host}:{n.PostgresPort}",
                PostgresTools.Dsn(config, n.Host, n.PostgresPort), Int(i, "agentPid"), Int(i, "postgresPid"),
                h.Healthy, h.StatusCode, role == "master" && h.Healthy ? 0 : h.ReplicationLagBytes, h.Error, FenceReason(h),
                config.Tls.Enabled ? n.InternalApiUrl : null);
        }).ToList();
        var lb = config.LoadBalancer;
        return new StatusReport(config.ClusterId, config.StateDir, config.ControlPlaneUrl,
            new LoadBalancerStatus(config.LoadBalancerUrl, $"{lb.Host}:{lb.PostgresPort}", PostgresTools.Dsn(config, lb.Host, lb.PostgresPort), config.LoadBalancerStatsUrl),
            config.EtcdEndpoints, $"{(config.Tls.Enabled ? "amqps" : "amqp")}://{config.RabbitMq.Host}:{config.RabbitMq.Port}/{config.RabbitMq.VirtualHost}",
            master?.Id, nodes, new OperatorFiles(config.OperatorTokenFile(), config.ViewerTokenFile()),
            config.Tls.Enabled ? new TlsFiles(config.PublicCaFile(), config.Operator().CertFile, config.Operator().KeyFile) : null);
    }

    private static Dictionary<string, string> SyncStates(NodeHealth master)
    {
        var result = new Dictionary<string, string>();
        if (master.Body is { } b && b.TryGetProperty("database", out var db) && db.TryGetProperty("replication_status", out var rs)
            && rs.TryGetProperty("pg_stat_replication", out var rows))
        {
            foreach (var row in rows.EnumerateArray())
            {
                if (row.TryGetProperty("application_name", out var a) && row.TryGetProperty("sync_state", out var s) && s.ValueKind == JsonValueKind.String)
                {
                    result[a.GetString()!] = s.GetString()!;
                }
            }
        }
        return result;
    }

    /// <summary>Why the node is fenced (a former master waiting to be re-enrolled), from its /health; null when it is not.</summary>
    private static string? FenceReason(NodeHealth h) =>
        h.Body is { } b && b.TryGetProperty("ha", out var ha) && ha.TryGetProperty("fenced", out var f) && f.ValueKind == JsonValueKind.True
            ? ha.TryGetProperty("fence_reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : "fenced"
            : null;

    private static int? Int(JsonElement? e, string name) =>
        e is { } v && v.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt32() : null;
}

/// <summary>Where the control plane API's tokens are (never the tokens): what the CLI sends, and what to paste into the dashboard.</summary>
public sealed record OperatorFiles(string TokenFile, string? ViewerTokenFile);

/// <summary>The cluster CA's certificate (what clients verify servers with) and the operator's client certificate and key; null with TLS off.</summary>
public sealed record TlsFiles(string Ca, string Cert, string Key);

public sealed record LoadBalancerStatus(string Http, string Postgres, string PostgresDsn, string Stats);

public sealed record NodeStatus(
    string Id,
    string Role,
    bool? Sync,
    bool Async,
    string Api,
    string Postgres,
    string PostgresDsn,
    int? AgentPid,
    int? PostgresPid,
    bool Healthy,
    int HealthStatus,
    long? ReplicationLagBytes,
    string? Error,
    string? FenceReason = null,
    string? InternalApi = null);
