using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Services;

/// <summary>
/// Runs the cluster's load balancer: writes <see cref="ConfigPath"/> from the cluster layout, checks
/// it, and starts haproxy in the foreground (<c>-db</c>) under <see cref="Daemon"/>, so the PID we
/// hold is haproxy's own and its log is ours. Stopped by that PID.
/// </summary>
public sealed class HaProxyLauncher(ClusterConfig config)
{
    // Under a second on a quiet machine; a loaded 2-core one (a test run, a build) has needed more than 10 s.
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    // Ports are above 1024: it needs no root at all, so it runs as the package's own user when we are root.
    private const string SystemUser = "haproxy";

    public string Dir => Path.Combine(config.StateDir, "haproxy");
    public string ConfigPath => Path.Combine(Dir, "haproxy.cfg");
    public string PidFile => Path.Combine(config.PidsDir, "haproxy.pid");
    public string LogFile => Path.Combine(config.LogsDir, "haproxy.log");

    public int? Pid() => Daemon.ReadPid(PidFile) is { } pid && Daemon.IsRunning(pid) ? pid : null;

    /// <summary>Starts haproxy unless it already runs (a running one keeps its configuration: restart to change it).</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        if (Pid() is not null)
        {
            return;
        }
        Directory.CreateDirectory(Dir);
        if (config.Tls.Enabled)
        {
            await WriteCertificateBundleAsync(ct);
        }
        await File.WriteAllTextAsync(ConfigPath, HaProxyConfig.Render(config), ct);
        SystemUsers.AllowTraverse(config.StateDir);
        // The hop key reaches haproxy in its environment (readable only to its own user and root), never in the file.
        var env = new Dictionary<string, string> { [HaProxyConfig.HopKeyVariable] = Convert.ToBase64String(NodeKeys.EnsureHopKey(config)) };
        (await CommandRunner.RunAsync("haproxy", ["-c", "-q", "-f", ConfigPath], TimeSpan.FromSeconds(10), env: env, ct: ct)).ThrowOnFailure();
        var pid = await Daemon.StartAsync("haproxy", ["-db", "-f", ConfigPath], LogFile, PidFile, runAs: SystemUser, env: env);
        var lb = config.LoadBalancer;
        var up = await Wait.UntilAsync(async c => !Daemon.IsRunning(pid) || await AcceptsAsync(lb.Host, lb.StatsPort, c),
            StartTimeout, TimeSpan.FromMilliseconds(50), ct);
        if (!up || !Daemon.IsRunning(pid))
        {
            throw new CommandFailedException($"haproxy (pid {pid}) is not serving {lb.Host}:{lb.StatsPort} within {StartTimeout.TotalSeconds:0} s: see {LogFile}");
        }
    }

    /// <summary>haproxy's certificate and key in the one file it reads (0600, its own user's), from the files the CA issued.</summary>
    private async Task WriteCertificateBundleAsync(CancellationToken ct)
    {
        var tls = config.LoadBalancer();
        CertificateCheck.Require(config, tls);
        var pem = config.LoadBalancerPemFile();
        SecretFiles.Write(pem, await File.ReadAllTextAsync(tls.CertFile, ct) + await File.ReadAllTextAsync(tls.KeyFile, ct));
        await SystemUsers.ChownAsync(tls.Dir, SystemUser, ct);
    }

    private static async Task<bool> AcceptsAsync(string host, int port, CancellationToken ct)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(host, port, ct);
        return true;
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (Daemon.ReadPid(PidFile) is { } pid)
        {
            await Daemon.StopAsync(pid, StopGrace, ct);
            File.Delete(PidFile);
        }
    }
}
