using System.Diagnostics;
using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Postgres;
using Conjur.EventSourced.NodeAgent.Telemetry;

namespace Conjur.EventSourced.NodeAgent.Ha;

/// <summary>
/// Brings the node's Postgres into existence (initdb on the first master, pg_basebackup elsewhere),
/// then runs the HA cycle every heartbeat interval until the agent stops. Expected failures (etcd or an
/// upstream not there yet) are retried; the loop itself never dies of an exception.
/// </summary>
public sealed class HaLoop(
    ClusterConfig config,
    NodeConfig node,
    EtcdSession etcd,
    ClusterKeys keys,
    PostgresSupervisor postgres,
    HaCycle cycle,
    NodeState state,
    LeaderLease leader,
    AliveLease alive,
    CycleTrigger trigger,
    AgentMetrics metrics,
    ILogger<HaLoop> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        postgres.PostgresExited += trigger.Pulse;
        await BootstrapAsync(stoppingToken);
        var interval = TimeSpan.FromMilliseconds(config.Failover.HeartbeatIntervalMs);
        string? lastOutcome = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = Stopwatch.StartNew();
            try
            {
                var outcome = await cycle.RunCycleAsync(stoppingToken);
                metrics.Cycle(outcome.Message);
                if (outcome.Message != lastOutcome)
                {
                    log.LogInformation("{Outcome}", outcome.Message);
                    lastOutcome = outcome.Message;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                log.LogError(e, "HA cycle failed");
                metrics.Cycle("error");
                lastOutcome = null;
            }
            var rest = interval - started.Elapsed;
            // A pulse (Postgres exited, the leader or the lock changed) starts the next cycle at once.
            await trigger.WaitAsync(rest > TimeSpan.Zero ? rest : TimeSpan.Zero, stoppingToken);
        }
    }

    private async Task BootstrapAsync(CancellationToken ct)
    {
        var attempt = 0;
        while (!ct.IsCancellationRequested)
        {
            attempt++;
            try
            {
                var view = ClusterView.From(keys, await etcd.GetPrefixAsync(keys.Prefix, ct));
                var member = view.Member(node.Id)
                    ?? throw new InvalidOperationException($"{node.Id} is not a member of cluster {config.ClusterId} in etcd");
                if (!postgres.IsInitialised)
                {
                    if (member.Role == NodeRoles.Master && (view.LeaderId is null || view.LeaderId == node.Id))
                    {
                        state.Set(state.Current with { Outcome = "initialising the master's data directory" });
                        await postgres.BootstrapMasterAsync(ct);
                    }
                    else
                    {
                        var (host, port) = cycle.Upstream(view) ?? throw new InvalidOperationException("no master to clone from yet");
                        state.Set(state.Current with { Outcome = $"cloning from {host}:{port}" });
                        await postgres.CloneAsync(host, port, ct);
                    }
                }
                await postgres.StartAsync(cycle.SettingsFor(member.Role, view), ct);
                state.Set(state.Current with { Bootstrapped = true, Role = member.Role });
                log.LogInformation("bootstrapped as {Role}", member.Role);
                return;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The upstream or etcd may simply not be there yet; say so and try again.
                var message = $"bootstrap attempt {attempt} failed: {e.Message}";
                state.Set(state.Current with { Outcome = message });
                log.LogWarning("{Message}", message);
                await PauseAsync(TimeSpan.FromSeconds(Math.Min(5, attempt)), ct);
            }
        }
    }

    /// <summary>A pause that ends early, without an exception, when the agent stops; the loops check the token themselves.</summary>
    private static async Task PauseAsync(TimeSpan pause, CancellationToken ct)
    {
        try
        {
            await Task.Delay(pause, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            // A clean stop hands leadership over at once instead of after a TTL.
            await leader.ReleaseAsync(bounded.Token);
            await alive.ReleaseAsync(bounded.Token);
        }
        catch (Exception e) when (e is EtcdUnavailableException or OperationCanceledException)
        {
            log.LogWarning("could not release leases on stop: {Error}", e.Message);
        }
        await postgres.StopAsync(bounded.Token);
    }
}
