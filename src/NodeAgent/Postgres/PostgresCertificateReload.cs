using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.NodeAgent.Postgres;

/// <summary>
/// After a rotation of this node's Postgres certificate, asks the running server to reload (<c>pg_reload_conf()</c>):
/// Postgres reads its certificate and key again on reload, keeps every open connection (replication included) and
/// keeps its previous ones if the new files cannot be used. Its own outgoing connections (the walreceiver, pg_rewind)
/// read the files at each connect. The files are looked at every <see cref="Every"/>.
/// </summary>
public sealed class PostgresCertificateReload(ClusterConfig config, NodeConfig node, PostgresSupervisor postgres, ILogger<PostgresCertificateReload> log)
    : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!config.Tls.Enabled)
        {
            return;
        }
        var spec = config.Postgres(node);
        var seen = ReloadingCertificate.FilesStamp(spec);
        var previous = seen;
        using var timer = new PeriodicTimer(Every);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // Only files that have stayed the same for a whole period: the issuer hands them to the postgres user
                // just after writing them, and a reload that cannot read the key would keep the old certificate.
                var now = ReloadingCertificate.FilesStamp(spec);
                var settled = now == previous;
                previous = now;
                if (now == seen || !settled || !CertificateCheck.Inspect(spec, DateTimeOffset.UtcNow).Usable || !postgres.IsRunning)
                {
                    continue;
                }
                try
                {
                    await postgres.ReloadAsync(stoppingToken);
                    seen = now;
                    log.LogInformation("TLS ({Name}): Postgres reloaded with the rotated certificate", spec.Name);
                }
                catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
                {
                    log.LogWarning("TLS ({Name}): could not reload Postgres after a rotation ({Error}); retrying", spec.Name, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
