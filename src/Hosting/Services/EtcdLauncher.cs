using System.Diagnostics;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Services;

/// <summary>
/// Runs the cluster's etcd members on one host as daemons, each with its own data folder, log and
/// pid file, and stops them by PID. Clients authenticate as etcd users (<see cref="EtcdAuthSetup"/>) and get
/// tokens signed with the cluster's own key pair. Plain http for now: <see cref="Scheme"/> and
/// <see cref="SecurityArgs"/> are the seam where mutual TLS goes.
/// </summary>
public sealed class EtcdLauncher(ClusterConfig config)
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    // Loopback round trips are sub-millisecond, so heartbeats every 100 ms and elections after a
    // second of silence find a dead leader fast without spurious elections on a busy 2-core host.
    private const int HeartbeatIntervalMs = 100;
    private const int ElectionTimeoutMs = 1000;

    private readonly EtcdConfig _etcd = config.Etcd;

    private string Scheme => config.Tls.Enabled ? "https" : "http";

    public string DataDir(string member) => Path.Combine(config.StateDir, "etcd", member);
    public string LogFile(string member) => Path.Combine(config.LogsDir, $"{member}.log");
    public string PidFile(string member) => Path.Combine(config.PidsDir, $"{member}.pid");

    /// <summary>The token keeps members of different clusters (tests run several) from ever joining each other.</summary>
    public string ClusterToken => $"conjur-{config.ClusterId}";

    public async Task StartAsync(CancellationToken ct)
    {
        EtcdAuthSetup.EnsureTokenKeys(config);
        foreach (var member in _etcd.Members)
        {
            CertificateCheck.Require(config, config.EtcdMember(member));
        }
        foreach (var member in _etcd.Members)
        {
            if (Daemon.IsRunning(PidFile(member.Name)))
            {
                continue;
            }
            Directory.CreateDirectory(DataDir(member.Name));
            // 0700: etcd warns about (and later versions refuse) a data folder others can read.
            File.SetUnixFileMode(DataDir(member.Name), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await Daemon.StartAsync("etcd", Args(member), LogFile(member.Name), PidFile(member.Name));
        }
        await WaitHealthyAsync(ct);
    }

    public async Task StopAsync(CancellationToken ct)
    {
        // One at a time: stopped together, the members hang in their shutdown (leadership transfer to a
        // peer that is leaving too) for seconds; in turn, each is gone within about 150 ms.
        foreach (var member in _etcd.Members)
        {
            if (Daemon.ReadPid(PidFile(member.Name)) is { } pid)
            {
                await Daemon.StopAsync(pid, StopGrace, ct);
                File.Delete(PidFile(member.Name));
            }
        }
    }

    /// <summary>PIDs of the members that are running now.</summary>
    public IReadOnlyList<int> Pids() =>
        _etcd.Members
            .Select(m => Daemon.ReadPid(PidFile(m.Name)))
            .OfType<int>()
            .Where(Daemon.IsRunning)
            .ToList();

    public string ClientUrl(EtcdMemberConfig member) => $"{Scheme}://{_etcd.Host}:{member.ClientPort}";
    public string PeerUrl(EtcdMemberConfig member) => $"{Scheme}://{_etcd.Host}:{member.PeerPort}";

    /// <summary>Whether etcd's /health on this member's client port answers healthy (it has a leader and can serve).</summary>
    public async Task<bool> IsHealthyAsync(EtcdMemberConfig member, CancellationToken ct)
    {
        using var http = new HttpClient(config.Tls.Enabled ? TlsClient.Configure(new SocketsHttpHandler(), config.EtcdMember(member)) : new SocketsHttpHandler())
        {
            Timeout = TimeSpan.FromSeconds(2),
        };
        using var response = await http.GetAsync(new Uri($"{ClientUrl(member)}/health"), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        return response.IsSuccessStatusCode && body.Contains("\"health\":\"true\"", StringComparison.Ordinal);
    }

    private async Task WaitHealthyAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        foreach (var member in _etcd.Members)
        {
            var left = StartTimeout - clock.Elapsed;
            try
            {
                await Wait.ForAsync($"etcd member {member.Name} healthy on {ClientUrl(member)}",
                    c => IsHealthyAsync(member, c), left > TimeSpan.Zero ? left : TimeSpan.Zero, TimeSpan.FromMilliseconds(100), ct);
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException($"{e.Message} (log: {LogFile(member.Name)})", e);
            }
        }
    }

    private List<string> Args(EtcdMemberConfig member)
    {
        // A data folder that already holds a member rejoins; a fresh one bootstraps the static cluster.
        var existing = Directory.Exists(Path.Combine(DataDir(member.Name), "member"));
        var args = new List<string>
        {
            "--name", member.Name,
            "--data-dir", DataDir(member.Name),
            "--listen-client-urls", ClientUrl(member),
            "--advertise-client-urls", ClientUrl(member),
            "--listen-peer-urls", PeerUrl(member),
            "--initial-advertise-peer-urls", PeerUrl(member),
            "--initial-cluster", string.Join(',', _etcd.Members.Select(m => $"{m.Name}={PeerUrl(m)}")),
            "--initial-cluster-token", ClusterToken,
            "--initial-cluster-state", existing ? "existing" : "new",
            "--heartbeat-interval", HeartbeatIntervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--election-timeout", ElectionTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--logger", "zap",
            "--log-outputs", "stderr",
        };
        args.AddRange(SecurityArgs(member));
        return args;
    }

    /// <summary>
    /// Signed (JWT) tokens rather than etcd's default "simple" ones: any member verifies them by their
    /// signature, so a member that restarted still takes the tokens the others issued. Under TLS, clients and
    /// peers alike must present a certificate of the cluster CA, and the peer port admits only the members' own
    /// common name, so no other part's certificate can speak raft to a member.
    /// </summary>
    private IEnumerable<string> SecurityArgs(EtcdMemberConfig member)
    {
        yield return "--auth-token";
        yield return $"jwt,pub-key={config.EtcdTokenPublicKeyFile()},priv-key={config.EtcdTokenKeyFile()},sign-method=RS256,ttl={(int)Etcd.EtcdSession.TokenTtl.TotalMinutes}m";
        if (!config.Tls.Enabled)
        {
            yield break;
        }
        var tls = config.EtcdMember(member);
        foreach (var side in new[] { "", "peer-" })
        {
            yield return $"--{side}cert-file";
            yield return tls.CertFile;
            yield return $"--{side}key-file";
            yield return tls.KeyFile;
            yield return $"--{side}trusted-ca-file";
            yield return tls.CaFile;
            yield return $"--{side}client-cert-auth";
        }
        yield return "--peer-cert-allowed-cn";
        yield return ClusterCertificates.EtcdPeerName;
    }
}
