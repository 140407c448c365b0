using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Heartbeats;
using Conjur.EventSourced.NodeAgent.Postgres;

namespace Conjur.EventSourced.NodeAgent.Ha;

/// <summary>
/// One turn of the agent's loop, shaped like Patroni's <c>run_cycle</c>: look at Postgres, read the
/// cluster from etcd in one request, act for the node's role, refresh the alive lease, report. Each
/// cycle ends in one readable outcome.
/// </summary>
public sealed class HaCycle(
    ClusterConfig config,
    NodeConfig node,
    EtcdSession etcd,
    ClusterKeys keys,
    PostgresProbe probe,
    PostgresSupervisor postgres,
    LeaderLease leader,
    AliveLease alive,
    NodeState state,
    HeartbeatQueue reports,
    ILogger<HaCycle> log)
{
    private readonly Guid _instance = Guid.NewGuid();
    private long _sequence;
    private DateTimeOffset _lastRenewal = DateTimeOffset.MinValue;
    private bool _synchronousApplied;
    private DateTimeOffset? _postgresDownSince;

    public Guid Instance => _instance;

    public async Task<CycleOutcome> RunCycleAsync(CancellationToken ct)
    {
        var pg = await probe.ProbeAsync(ct);
        // Measured from the first cycle that saw it down, which also covers a postmaster adopted after an agent restart.
        _postgresDownSince = pg.Running ? null : _postgresDownSince ?? postgres.LastExitAt ?? pg.ObservedAt;
        var previous = state.Current;
        ClusterView view;
        try
        {
            view = ClusterView.From(keys, await etcd.GetPrefixAsync(keys.Prefix, ct));
        }
        catch (EtcdUnavailableException e)
        {
            return Finish(EtcdUnreachable(previous, pg, e), pg);
        }

        var member = view.Member(node.Id);
        var role = member?.Role ?? NodeRoles.Standby;
        var snapshot = previous with
        {
            Role = role,
            Async = member?.Async ?? node.Async,
            IsMember = member is not null,
            LeaderId = view.LeaderId,
            Postgres = pg,
            View = view,
            UpdatedAt = DateTimeOffset.UtcNow,
        };

        string outcome;
        if (member is null)
        {
            outcome = "not a member of the cluster: waiting to be enrolled";
            snapshot = snapshot with { Fenced = role == NodeRoles.Master };
        }
        else if (role == NodeRoles.Master)
        {
            (snapshot, outcome) = await ActAsMasterAsync(snapshot, view, pg, ct);
        }
        else
        {
            (snapshot, outcome) = await ActAsReplicaAsync(snapshot, view, pg, ct);
        }

        try
        {
            await alive.RefreshAsync(new NodeStatusRecord(role, pg.Running, pg.InRecovery, pg.Timeline,
                pg.Position, pg.ReceivePosition, pg.ReplayPosition, pg.ObservedAt), ct);
        }
        catch (EtcdUnavailableException e)
        {
            outcome += $"; alive lease not refreshed: {e.Message}";
        }
        return Finish(snapshot with { Outcome = outcome }, pg);
    }

    private async Task<(NodeSnapshot, string)> ActAsMasterAsync(NodeSnapshot s, ClusterView view, PostgresState pg, CancellationToken ct)
    {
        if (!pg.Running)
        {
            if (leader.Held)
            {
                // Revoke now instead of letting the TTL run: standbys see the master go at once.
                await leader.ReleaseAsync(ct);
                return (s with { HoldsLeader = false }, "revoked leader lease: postgres is down");
            }
            return (s with { HoldsLeader = false }, await RestartIfDueAsync(s, ct));
        }
        if (pg.InRecovery)
        {
            return (s with { HoldsLeader = false }, "postgres is in recovery: not taking the leader lease");
        }
        if (!leader.Held && view.LeaderId == node.Id)
        {
            // Our own key from before an agent restart: adopt its lease and keep renewing it.
            leader.Adopt(view.LeaderLease);
        }
        if (leader.Held)
        {
            if (await leader.RenewAsync(ct))
            {
                _lastRenewal = DateTimeOffset.UtcNow;
                await EnsureSynchronousAsync(ct);
                return (s with { HoldsLeader = true, Fenced = false }, "renewed leader lease");
            }
            return (s with { HoldsLeader = false, Fenced = true }, "demoted: lost leader lease");
        }
        if (view.LeaderId is null)
        {
            if (await leader.TryAcquireAsync(view, ct))
            {
                _lastRenewal = DateTimeOffset.UtcNow;
                await EnsureSynchronousAsync(ct);
                return (s with { HoldsLeader = true, Fenced = false, LeaderId = node.Id }, "acquired leader lease");
            }
            return (s with { HoldsLeader = false, Fenced = true }, "lost the race for the leader lease");
        }
        return (s with { HoldsLeader = false, Fenced = true }, $"fenced: {view.LeaderId} holds the leader lease");
    }

    private async Task<(NodeSnapshot, string)> ActAsReplicaAsync(NodeSnapshot s, ClusterView view, PostgresState pg, CancellationToken ct)
    {
        var leaderPosition = view.LeaderId is { } l ? view.Status(l)?.WalPosition : null;
        var lag = leaderPosition is { } lp && pg.ReplayPosition is { } rp ? Math.Max(0, lp - rp) : (long?)null;
        s = s with { HoldsLeader = false, Fenced = false, LagBytes = lag };
        if (!pg.Running)
        {
            return (s, await RestartIfDueAsync(s, ct));
        }
        var (host, port) = Upstream(view);
        return (s, pg.Streaming
            ? $"{s.Role} streaming from {host}:{port}, {lag?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} bytes behind"
            : $"{s.Role} not streaming (wal receiver: {pg.ReceiverStatus ?? "none"})");
    }

    /// <summary>A crashed Postgres is restarted after a pause, so a crash loop does not spin and operators can see the outage.</summary>
    private async Task<string> RestartIfDueAsync(NodeSnapshot s, CancellationToken ct)
    {
        var due = (_postgresDownSince ?? s.Postgres.ObservedAt) + TimeSpan.FromMilliseconds(config.Failover.PostgresRestartDelayMs);
        if (DateTimeOffset.UtcNow < due)
        {
            return $"postgres is down: restarting in {(due - DateTimeOffset.UtcNow).TotalSeconds:0.0} s";
        }
        await postgres.StartAsync(SettingsFor(s.Role, s.View), ct);
        if (s.Role == NodeRoles.Master)
        {
            _synchronousApplied = true;
        }
        return "restarted postgres";
    }

    public IReadOnlyDictionary<string, string> SettingsFor(string role, ClusterView? view)
    {
        if (role == NodeRoles.Master)
        {
            return PostgresSettings.ForMaster(config, node, postgres.DataDir, postgres.LogFile, synchronous: true);
        }
        var (host, port) = Upstream(view);
        return PostgresSettings.ForReplica(config, node, postgres.DataDir, postgres.LogFile, host, port);
    }

    /// <summary>Where this replica streams from: the leader's address from etcd, or the configured master before there is one.</summary>
    public (string Host, int Port) Upstream(ClusterView? view)
    {
        var master = view?.LeaderId is { } id && view.Member(id) is { } m
            ? new NodeConfig { Id = id, Host = m.Host, PostgresPort = m.PostgresPort, HttpPort = m.HttpPort, Role = NodeRole.Master }
            : config.Nodes.First(n => n.Role == NodeRole.Master);
        return PostgresSettings.Upstream(config, node, master);
    }

    /// <summary>A new master starts without synchronous standbys (its first commits would wait forever); name them once it leads.</summary>
    private async Task EnsureSynchronousAsync(CancellationToken ct)
    {
        if (_synchronousApplied)
        {
            return;
        }
        await postgres.ApplyAsync(PostgresSettings.ForMaster(config, node, postgres.DataDir, postgres.LogFile, synchronous: true), ct);
        _synchronousApplied = true;
        log.LogInformation("synchronous_standby_names = {Names}", PostgresSettings.SynchronousStandbyNames(config, node.Id));
    }

    private NodeSnapshot EtcdUnreachable(NodeSnapshot previous, PostgresState pg, EtcdUnavailableException e)
    {
        // Without etcd we cannot renew: once the lease could have expired, another node may lead, so stop acting as master.
        var expired = leader.Held && DateTimeOffset.UtcNow - _lastRenewal >= TimeSpan.FromSeconds(config.Failover.LeaseTtlSeconds) - TimeSpan.FromMilliseconds(500);
        if (expired)
        {
            leader.Forget();
        }
        return previous with
        {
            Postgres = pg,
            HoldsLeader = leader.Held,
            Fenced = previous.Role == NodeRoles.Master && !leader.Held,
            Outcome = $"etcd unreachable: {e.Message}" + (expired ? "; fenced: leader lease may have expired" : ""),
            UpdatedAt = DateTimeOffset.UtcNow,
        };
    }

    private CycleOutcome Finish(NodeSnapshot snapshot, PostgresState pg)
    {
        state.Set(snapshot);
        var sequence = ++_sequence;
        reports.Enqueue(new NodeHeartbeat
        {
            ClusterId = config.ClusterId,
            NodeId = node.Id,
            AgentInstance = _instance,
            Sequence = sequence,
            Role = snapshot.Role,
            Healthy = snapshot.Healthy,
            PostgresRunning = pg.Running,
            Fenced = snapshot.Fenced,
            Problem = snapshot.Problem,
            ObservedAt = pg.ObservedAt,
        });
        reports.Enqueue(new ReplicationLagReported
        {
            ClusterId = config.ClusterId,
            NodeId = node.Id,
            AgentInstance = _instance,
            Sequence = sequence,
            Role = snapshot.Role,
            Timeline = pg.Timeline,
            WalPosition = pg.Position,
            ReceivePosition = pg.ReceivePosition,
            LagBytes = snapshot.Role == NodeRoles.Master && pg.Running ? 0 : snapshot.LagBytes,
            LagSeconds = pg.ReplayDelaySeconds,
            Replicas = pg.Replicas,
            ObservedAt = pg.ObservedAt,
        });
        return new CycleOutcome(snapshot.Outcome);
    }
}
