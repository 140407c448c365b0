using System.Text.Json;
using Conjur.EventSourced.Cli.Commands;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Postgres;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;
using Npgsql;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>
/// A real cluster (3 etcd members, RabbitMQ, the control plane and its Postgres, HAProxy, four nodes)
/// started through the same launcher as <c>cluster up</c>, in a temporary state folder on a port range
/// of its own, and stopped by PID afterwards.
/// </summary>
public abstract class RunningCluster : IAsyncLifetime
{
    private readonly IMessageSink _sink;

    /// <param name="failover">Timing a scenario needs instead of the defaults (e.g. a window to act in before self-promotion).</param>
    /// <param name="configure">Any other change to the configuration <c>up</c> writes (e.g. more API credentials).</param>
    /// <param name="agentSettings">Settings for this cluster's agents only, as environment variables (<c>Section__Key</c>).</param>
    protected RunningCluster(IMessageSink sink, int basePort, IReadOnlyList<(string Id, NodeRole Role, bool Async)>? nodes = null,
        Func<FailoverConfig, FailoverConfig>? failover = null, Func<ClusterConfig, ClusterConfig>? configure = null,
        IReadOnlyDictionary<string, string>? agentSettings = null)
    {
        _sink = sink;
        var dir = Path.Combine(Path.GetTempPath(), $"conjur-test-{basePort}-{Guid.NewGuid():N}"[..40]);
        var config = DefaultTopology.Create(dir, basePort, clusterId: $"t{basePort}", nodes);
        config = failover is null ? config : config with { Failover = failover(config.Failover) };
        Config = configure is null ? config : configure(config);
        Launcher = new ClusterLauncher(Config, m => _sink.OnMessage(new DiagnosticMessage($"[{basePort}] {m}")), agentSettings);
    }

    public ClusterConfig Config { get; }
    public ClusterLauncher Launcher { get; }
    public TimeSpan UpTime { get; private set; }

    public NodeConfig Node(string id) => Config.Node(id);

    public virtual async Task InitializeAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await Launcher.UpAsync(cts.Token);
        }
        catch
        {
            DumpLogs();
            await Launcher.DownAsync(wipe: false, CancellationToken.None);
            throw;
        }
        UpTime = clock.Elapsed;
        _sink.OnMessage(new DiagnosticMessage($"cluster on {Config.ControlPlane.HttpPort - 30} up in {UpTime.TotalSeconds:0.0} s"));
    }

    /// <summary>Stops the cluster; its state folder (logs included) is kept when CONJUR_KEEP_TEST_STATE=1, to read after a failure.</summary>
    public virtual async Task DisposeAsync()
    {
        var keep = Environment.GetEnvironmentVariable("CONJUR_KEEP_TEST_STATE") == "1";
        await Launcher.DownAsync(wipe: !keep, CancellationToken.None);
        if (keep)
        {
            _sink.OnMessage(new DiagnosticMessage($"kept the cluster's state in {Config.StateDir}"));
        }
    }

    public Task<StatusReport> StatusAsync() => StatusReport.CollectAsync(Config, CancellationToken.None);

    public string LoadBalancerConnectionString(string database = "policy") =>
        PostgresTools.ConnectionString(Config, Config.LoadBalancer.Host, Config.LoadBalancer.PostgresPort, database);

    /// <summary>The operator's login (TCP, password) on one node's Postgres.</summary>
    public string NodeConnectionString(string node, string database = "policy") =>
        PostgresTools.ConnectionString(Config, Node(node).Host, Node(node).PostgresPort, database);

    /// <summary>The superuser on one node's local socket, as the agents log in (peer: the tests run as the agents' OS user).</summary>
    public string NodeAdminConnectionString(string node, string database = "postgres") =>
        PostgresTools.LocalConnectionString(Config, Node(node), database, ClusterSecrets.PostgresAdminUser);

    public async Task<int> ExecuteAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteNonQueryAsync();
    }

    public async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteScalarAsync();
    }

    /// <summary>GET of a read route, with the viewer's token (a read needs no more).</summary>
    public async Task<JsonDocument> ControlPlaneAsync(string path)
    {
        using var http = ApiTokens.Client(Config, TimeSpan.FromSeconds(5), ApiTokens.Viewer(Config));
        return JsonDocument.Parse(await http.GetStringAsync(Config.ControlPlaneUrl + path));
    }

    private void DumpLogs()
    {
        if (!Directory.Exists(Config.LogsDir))
        {
            return;
        }
        foreach (var file in Directory.GetFiles(Config.LogsDir, "*.log"))
        {
            var lines = File.ReadAllLines(file);
            _sink.OnMessage(new DiagnosticMessage($"--- {file} (last 30 lines)\n{string.Join('\n', lines.TakeLast(30))}"));
        }
    }
}

/// <summary>Master, sync standby, potential standby, follower: left as it is by the tests that use it.</summary>
public sealed class HealthyFourNodeCluster(IMessageSink sink) : RunningCluster(sink, 31000);

/// <summary>The same topology, for scenarios that break something.</summary>
public sealed class FourNodeClusterToBreak(IMessageSink sink) : RunningCluster(sink, 31400);
