using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Postgres;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Services;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Cluster;

/// <summary>
/// Starts, inspects and stops a whole cluster on this host: the one code path behind <c>cluster up</c>,
/// <c>status</c>, <c>down</c> and the test fixtures. Every step is idempotent (a running part is left
/// alone) and every wait is bounded.
/// </summary>
/// <param name="agentEnvironment">Settings for the node agents (ASP.NET reads <c>Section__Key</c> variables), e.g. a test's limits.</param>
public sealed class ClusterLauncher(ClusterConfig config, Action<string>? progress = null, IReadOnlyDictionary<string, string>? agentEnvironment = null)
{
    private static readonly TimeSpan ShortCall = TimeSpan.FromSeconds(2);

    /// <summary>A control plane just (re)started answers its first requests slowly under load: it also drains what queued while it was away.</summary>
    private static readonly TimeSpan PatientCall = TimeSpan.FromSeconds(10);
    private readonly Action<string> _progress = progress ?? (_ => { });

    public ClusterConfig Config => config;
    public EtcdLauncher Etcd { get; } = new(config);
    public RabbitMqLauncher RabbitMq { get; } = new(config);
    public HaProxyLauncher LoadBalancer { get; } = new(config);
    public ControlPlaneDatabase ControlPlaneDatabase { get; } = new(config);

    public string AgentPidFile(string node) => Path.Combine(config.PidsDir, $"agent-{node}.pid");
    public string AgentLogFile(string node) => Path.Combine(config.LogsDir, $"agent-{node}.log");
    public string ControlPlanePidFile => Path.Combine(config.PidsDir, "controlplane.pid");
    public string ControlPlaneLogFile => Path.Combine(config.LogsDir, "controlplane.log");

    public async Task UpAsync(CancellationToken ct)
    {
        config.Save(config.ConfigPath);
        await PostgresTools.WritePgPassAsync(config, ct);
        // The secrets API's data key and the account bootstrap token: made once, kept across restarts.
        config.EnsureDataKey();
        config.EnsureBootstrapToken();
        // The control plane API's credentials (operator, viewer, any added in cluster.json): made once, never logged.
        config.EnsureApiTokens();
        // Each node's signing key (audit batches, forwarded writes) and the load balancer's hop key before any agent
        // starts (a master-capable agent refuses to start without them); the old shared audit key goes.
        NodeKeys.Ensure(config);
        NodeKeys.EnsureHopKey(config);
        // The cluster CA and every part's certificate, before any part starts and checks its own.
        if (config.Tls.Enabled)
        {
            await new CertificateIssuer(config, _progress).EnsureAsync(ct);
        }
        else
        {
            _progress("TLS is off (tls.enabled is false in cluster.json): every link between parts is plain text; see docs/tls.md");
        }
        // Each part's broker password, before any part starts and reads its own.
        foreach (var login in BrokerLogin.All(config))
        {
            login.EnsurePassword();
        }

        _progress("starting etcd (3 members), RabbitMQ and the control plane's Postgres");
        var seeding = StartEtcdAndSeedAsync(ct);
        // RabbitMQ takes the longest (~10-15 s): the master's agent starts as soon as etcd is seeded and makes its
        // database meanwhile (agents reach the broker whenever it is up; their HA loop needs only etcd and Postgres).
        var broker = RabbitMq.StartAsync(ct);
        var controlPlaneDatabase = ControlPlaneDatabase.StartAsync(ct);
        var members = await seeding;
        await LoadBalancer.StartAsync(ct);

        // After a failover the master is the promoted node, and a removed old master waits to be re-enrolled.
        var master = config.Nodes.FirstOrDefault(n => members.GetValueOrDefault(n.Id)?.Role == "master")
            ?? config.Nodes.Single(n => n.Role == NodeRole.Master);
        var removed = config.Nodes.Where(n => !members.ContainsKey(n.Id)).Select(n => n.Id).ToHashSet();
        _progress($"starting the master's agent ({master.Id})");
        await StartAgentAsync(master);

        await Task.WhenAll(broker, controlPlaneDatabase);
        _progress("starting the control plane");
        await StartControlPlaneProcessAsync();
        await Wait.ForAsync($"{master.Id} to report healthy as master", async c => (await HealthAsync(config, master, c)).Healthy,
            TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(200), ct);

        var others = config.Nodes.Where(n => n.Id != master.Id).ToList();
        _progress($"starting {string.Join(", ", others.Select(n => n.Id))} (cloned from the master)");
        foreach (var n in others)
        {
            await StartAgentAsync(n);
        }
        foreach (var id in removed)
        {
            _progress($"{id} was removed by a failover and stays fenced: re-enrol it with './cluster reenroll {id}'");
        }
        await Wait.ForAsync("every member node to report healthy", async c =>
        {
            foreach (var n in config.Nodes.Where(n => !removed.Contains(n.Id)))
            {
                if (!(await HealthAsync(config, n, c)).Healthy)
                {
                    return false;
                }
            }
            return true;
        }, TimeSpan.FromSeconds(180), TimeSpan.FromMilliseconds(250), ct);

        _progress("waiting for the control plane to see every node");
        var tokenFile = config.OperatorTokenFile();
        var operatorToken = ClusterSecrets.ReadApiToken(tokenFile);
        string? refused = null;
        await Wait.ForAsync("the control plane to show every node healthy", async c =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{config.ControlPlaneUrl}/api/cluster");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", operatorToken);
            using var response = await ClusterHttp.For(config, ShortCall).SendAsync(request, c);
            if (response.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden)
            {
                // Waiting longer would not help: a control plane that runs with other credentials refuses this one.
                refused = $"the control plane refused the operator token in {tokenFile} ({(int)response.StatusCode}): " +
                          "it was started with other credentials; restart it ('cluster down', then 'cluster up')";
                return true;
            }
            response.EnsureSuccessStatusCode();
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(c));
            var nodes = doc.RootElement.GetProperty("nodes").EnumerateArray().ToList();
            return nodes.Count == config.Nodes.Count
                && nodes.All(n => removed.Contains(n.GetProperty("id").GetString() ?? "") || n.GetProperty("healthy").GetBoolean());
        }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250), ct);
        if (refused is not null)
        {
            throw new ConfigurationException(refused);
        }
        await ControlPlaneReadyAsync(ct);
    }

    /// <summary>
    /// Until the control plane's <c>/healthz</c> says healthy: its Postgres answers and every receive endpoint of its
    /// bus is bound. Answering HTTP is not enough: a fact an agent publishes before the queue of its consumer is
    /// bound to the exchange is dropped by RabbitMQ.
    /// </summary>
    private Task ControlPlaneReadyAsync(CancellationToken ct) =>
        Wait.ForAsync("the control plane to be healthy (its database and every bus endpoint)", async c =>
        {
            try
            {
                using var response = await ClusterHttp.For(config, PatientCall).GetAsync($"{config.ControlPlaneUrl}/healthz", c);
                if (!response.IsSuccessStatusCode)
                {
                    return false;
                }
                using var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync(c));
                return health.RootElement.GetProperty("status").GetString() == "healthy";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(100), ct);

    private async Task<IReadOnlyDictionary<string, MemberRecord>> StartEtcdAndSeedAsync(CancellationToken ct)
    {
        await Etcd.StartAsync(ct);
        // Just started on a loaded host, etcd can miss a deadline or two (it is still electing, or busy): try again
        // within a bound. A refused credential is a configuration fault and is not retried.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await new EtcdAuthSetup(config).EnsureAsync(ct);
                using var etcd = EtcdSession.For(config, config.Operator(), config.EtcdRootCredentials(), TimeSpan.FromSeconds(3));
                if (await Membership.SeedOnceAsync(etcd, config, ct))
                {
                    _progress("seeded cluster membership in etcd");
                }
                return await Membership.CurrentAsync(etcd, config, ct);
            }
            catch (Exception e) when (e is EtcdUnavailableException or Grpc.Core.RpcException { StatusCode: Grpc.Core.StatusCode.Unavailable or Grpc.Core.StatusCode.DeadlineExceeded }
                                      && clock.Elapsed < EtcdSetupTimeout)
            {
                _progress($"etcd not ready for its users and members yet ({e.Message}); trying again");
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            }
        }
    }

    private static readonly TimeSpan EtcdSetupTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Starts the control plane unless it runs (its PID file says so) and waits until it is healthy; it resumes unfinished failover sagas from Marten.</summary>
    public async Task StartControlPlaneAsync(CancellationToken ct = default)
    {
        await StartControlPlaneProcessAsync();
        await ControlPlaneReadyAsync(ct);
    }

    private Task StartControlPlaneProcessAsync() =>
        StartDaemonAsync("dotnet", [Binaries.ControlPlaneDll, "--config", config.ConfigPath], ControlPlanePidFile, ControlPlaneLogFile);

    public int? ControlPlanePid => Daemon.ReadPid(ControlPlanePidFile) is { } pid && Daemon.IsRunning(pid) ? pid : null;

    public Task StartAgentAsync(NodeConfig node) =>
        StartDaemonAsync("dotnet", [Binaries.NodeAgentDll, "--config", config.ConfigPath, "--node", node.Id], AgentPidFile(node.Id), AgentLogFile(node.Id),
            agentEnvironment);

    private static async Task StartDaemonAsync(string file, IReadOnlyList<string> args, string pidFile, string logFile,
        IReadOnlyDictionary<string, string>? extra = null)
    {
        if (Daemon.IsRunning(pidFile))
        {
            return;
        }
        var env = new Dictionary<string, string>
        {
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        foreach (var (name, value) in extra ?? new Dictionary<string, string>())
        {
            env[name] = value;
        }
        await Daemon.StartAsync(file, args, logFile, pidFile, env: env);
    }

    /// <summary>Stops every part by the PID it recorded, agents first (they stop their own Postgres).</summary>
    public async Task DownAsync(bool wipe, CancellationToken ct)
    {
        _progress("stopping node agents and their Postgres");
        await Task.WhenAll(config.Nodes.Select(n => StopNodeAsync(n, ct)));
        _progress("stopping the control plane, HAProxy, RabbitMQ, etcd and the control plane's Postgres");
        if (Daemon.ReadPid(ControlPlanePidFile) is { } cp)
        {
            await Daemon.StopAsync(cp, TimeSpan.FromSeconds(15), ct);
        }
        await LoadBalancer.StopAsync(ct);
        await Task.WhenAll(RabbitMq.StopAsync(ct), Etcd.StopAsync(ct), ControlPlaneDatabase.StopAsync(ct));
        if (wipe && Directory.Exists(config.StateDir))
        {
            _progress($"wiping {config.StateDir}");
            Directory.Delete(config.StateDir, recursive: true);
        }
    }

    public async Task StopNodeAsync(NodeConfig node, CancellationToken ct)
    {
        if (Daemon.ReadPid(AgentPidFile(node.Id)) is { } pid)
        {
            await Daemon.StopAsync(pid, TimeSpan.FromSeconds(45), ct);
        }
        // A postmaster whose agent was killed outlives it: stop it by the PID in its own pid file.
        if (Daemon.ReadPid(Path.Combine(config.NodeDir(node.Id), "pgdata", "postmaster.pid")) is { } pg && Daemon.IsRunning(pg))
        {
            Daemon.Signal(pg, 2);
            if (!await Daemon.WaitForExitAsync(pg, TimeSpan.FromSeconds(30), ct))
            {
                Daemon.Kill(pg);
            }
        }
    }

    /// <summary>Every PID this cluster's parts run under (for status and for checking that down left nothing).</summary>
    public IReadOnlyList<int> RunningPids()
    {
        var pids = new List<int>();
        pids.AddRange(Etcd.Pids());
        if (RabbitMq.Pid() is { } r) { pids.Add(r); }
        if (LoadBalancer.Pid() is { } h) { pids.Add(h); }
        if (ControlPlaneDatabase.Pid() is { } d) { pids.Add(d); }
        if (Daemon.ReadPid(ControlPlanePidFile) is { } cp && Daemon.IsRunning(cp)) { pids.Add(cp); }
        foreach (var n in config.Nodes)
        {
            if (Daemon.ReadPid(AgentPidFile(n.Id)) is { } a && Daemon.IsRunning(a)) { pids.Add(a); }
            if (Daemon.ReadPid(Path.Combine(config.NodeDir(n.Id), "pgdata", "postmaster.pid")) is { } p && Daemon.IsRunning(p)) { pids.Add(p); }
        }
        return pids;
    }

    public static async Task<NodeHealth> HealthAsync(ClusterConfig config, NodeConfig node, CancellationToken ct)
    {
        try
        {
            using var response = await ClusterHttp.For(config, ShortCall).GetAsync($"{config.ApiUrl(node)}/health", ct);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            return NodeHealth.From((int)response.StatusCode, doc.RootElement);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return NodeHealth.Unreachable(e.Message);
        }
    }

    public static async Task<JsonElement?> InfoAsync(ClusterConfig config, NodeConfig node, CancellationToken ct)
    {
        try
        {
            return await ClusterHttp.For(config, ShortCall).GetFromJsonAsync<JsonElement>($"{config.ApiUrl(node)}/info", ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }
}
