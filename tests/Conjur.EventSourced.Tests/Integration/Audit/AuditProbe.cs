using Conjur.EventSourced.Hosting.Tls;
using System.Net;
using System.Text.Json;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Postgres;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Topology;
using Npgsql;

namespace Conjur.EventSourced.Tests.Integration.Audit;

/// <summary>
/// What the audit tests look at: the master's <c>audit</c> database on its own Postgres (not through HAProxy, which a
/// test may have frozen), a node's backlog in <c>/health</c>, and the test-only producer of synthetic records.
/// </summary>
public sealed class AuditProbe(ClusterConfig config, NodeConfig master) : IDisposable
{
    private readonly HttpClient _http = ClusterHttp.Client(config, TimeSpan.FromSeconds(30));

    public string MasterAudit => PostgresTools.ConnectionString(config, master.Host, master.PostgresPort, "audit", timeoutSeconds: 5);

    public void Dispose() => _http.Dispose();

    /// <summary>Waits until the node has nothing queued, then returns the highest sequence the master holds for it.</summary>
    public async Task<long> ShippedAndStoredAsync(NodeConfig node)
    {
        await Wait.ForAsync($"{node.Id}'s audit queue to be empty", async c => await QueueDepthAsync(config, node, c) == 0, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));
        return Convert.ToInt64(await ScalarAsync("SELECT COALESCE(MAX(sequence), 0) FROM audit_records WHERE origin = $1", node.Id));
    }

    /// <summary>Records <paramref name="count"/> synthetic fetches through the node's real trail (<c>POST /audit/test/records</c>).</summary>
    public async Task<int> ProduceAsync(NodeConfig node, int count)
    {
        using var response = await _http.PostAsync(new Uri($"{config.ApiUrl(node)}/audit/test/records?count={count}"), null);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return count;
    }

    public static async Task<JsonElement> HealthAsync(ClusterConfig cluster, NodeConfig node, CancellationToken ct = default)
    {
        var health = await ClusterLauncher.HealthAsync(cluster, node, ct);
        return health.Body ?? throw new InvalidOperationException($"{node.Id}: {health.Error}");
    }

    public static async Task<int> QueueDepthAsync(ClusterConfig cluster, NodeConfig node, CancellationToken ct = default) =>
        (await HealthAsync(cluster, node, ct)).GetProperty("audit_queue_depth").GetInt32();

    public async Task<long> CountAsync(string sql, object parameter) => Convert.ToInt64(await ScalarAsync(sql, parameter));

    public async Task<object?> ScalarAsync(string sql, object parameter)
    {
        await using var conn = new NpgsqlConnection(MasterAudit);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue(parameter);
        return await cmd.ExecuteScalarAsync();
    }
}
