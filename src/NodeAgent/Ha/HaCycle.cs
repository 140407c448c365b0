using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Failover;
using Conjur.EventSourced.NodeAgent.Heartbeats;
using Conjur.EventSourced.NodeAgent.Postgres;

namespace Conjur.EventSourced.NodeAgent.Ha;

/// <summary>
/// One turn of the agent's loop, shaped like Patroni's <c>run_cycle</c>: look at Postgres, read the
/// cluster from etcd in one request, act for the node's role, refresh the alive lease, report. Each
/// cycle ends in one readable outcome. The loop runs it every heartbeat interval and at once when
/// Postgres exits or etcd's watch sees the leader, the lock or the membership change.
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
    FailoverRace race,
    FenceMarker fence,
    AgentGate gate,
    NodeState state,
    HeartbeatQueue reports,
    ILogger<HaCycle> log)
{
    private readonly Guid _instance = Guid.NewGuid();
    private long _sequence;
    private string? _appliedSynchronousNames;
    private string? _appliedUpstream;
    private DateTimeOffset? _postgresDownSince;
    private DateTimeOffset? _failoverSeenAt;

    public Guid Instance => _instance;

    public async Task<CycleOutcome> RunCycleAsync(CancellationToken ct)
    {
        using var turn = gate.TryEnter("ha cycle");
        if (turn is null)
        {
            return await BusyAsync(ct);
        }
        var pg = await probe.ProbeAsync(ct);
        // Measured from the first cycle that saw it down, which also covers a postmaster adopted after an agent restart.
        _postgresDownSince = pg.Running ? null : _postgresDownSince ?? postgres.LastExitAt ?? pg.ObservedAt;
        _failoverSeenAt = pg.Running ? null : _failoverSeenAt;
        var previous = state.Current;
        ClusterView view;
        try
        {
            view = ClusterView.From(keys, await etcd.GetPrefixAsync(keys.Prefix, ct));
        }
        catch (EtcdUnavailableException e)
        {
            return Finish(await EtcdUnreachableAsync(previous, pg, e, ct), pg);
        }

        var member = view.Member(node.Id);
        var role = member?.Role ?? previous.Role;
        var snapshot = previous with
        {
            Role = role,
            Async = member?.Async ?? node.Async,
            IsMember = member is not null,
            LeaderId = view.LeaderId,
            Postgres = pg,
            View = view,
            SteppingDown = false,
            UpdatedAt = DateTimeOffset.UtcNow,
        };

        string outcome;
        if (fence.IsFenced || (member is null && (role == NodeRoles.Master || (pg.Running && !pg.InRecovery))))
        {
            (snapshot, outcome) = await StayFencedAsync(snapshot, member is null ? "removed from members" : fence.Reason ?? "fenced", pg, ct);
        }
        else if (member is null)
        {
            outcome = "not a member of the cluster: waiting to be enrolled";
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
            await alive.RefreshAsync(race.StatusToRefresh(snapshot.Postgres, view), ct);
        }
        catch (EtcdUnavailableException e)
        {
            outcome += $"; alive lease not refreshed: {e.Message}";
        }
        return Finish(snapshot with { Outcome = outcome }, snapshot.Postgres);
    }

    /// <summary>
    /// A command (promotion, step-down, rebase, re-enrol) holds the node: keep the alive lease fresh so the node
    /// still counts as operational, and the leader lease if this node holds it, so a promotion or a clean
    /// shutdown that takes longer than the TTL does not lose it midway. The command decides what the node does.
    /// </summary>
    private async Task<CycleOutcome> BusyAsync(CancellationToken ct)
    {
        var pg = await probe.ProbeAsync(ct);
        var outcome = $"busy: {gate.Operation}";
        DateTimeOffset? renewalSent = null;
        try
        {
            if (leader.Held)
            {
                var sent = DateTimeOffset.UtcNow;
                if (await leader.RenewAsync(ct))
                {
                    renewalSent = sent;
                }
                else
                {
                    outcome += "; the leader lease ran out";
                }
            }
            await alive.RefreshAsync(FailoverRace.StatusFor(pg, null), ct);
        }
        catch (EtcdUnavailableException e)
        {
            outcome += $"; leases not refreshed: {e.Message}";
        }
        // Read the state last: the command may have changed it meanwhile (stepping down, promoted).
        var current = state.Current;
        if (renewalSent is { } at && current.HoldsLeader)
        {
            current = Leading(current, at);
        }
        return Finish(current with { Postgres = pg, Outcome = outcome, UpdatedAt = DateTimeOffset.UtcNow }, pg);
    }

    /// <summary>
    /// A removed or fenced former master: Postgres must not take writes, whatever happens. It stays so
    /// until an operator re-enrols it (see <see cref="Failover.Reenrollment"/>); agent restarts do not
    /// undo it, because the reason is kept beside the data directory.
    /// </summary>
    private async Task<(NodeSnapshot, string)> StayFencedAsync(NodeSnapshot s, string reason, PostgresState pg, CancellationToken ct)
    {
        fence.Set(reason);
        await leader.ReleaseAsync(ct);
        if (pg.Running && !pg.InRecovery)
        {
            await postgres.FenceAsync(ct);
            pg = await probe.ProbeAsync(ct);
        }
        return (s with { HoldsLeader = false, Fenced = true, FenceReason = reason, Postgres = pg, LeaseValidUntil = default },
            $"fenced: {reason}; waiting to be re-enrolled");
    }

    private async Task<(NodeSnapshot, string)> ActAsMasterAsync(NodeSnapshot s, ClusterView view, PostgresState pg, CancellationToken ct)
    {
        s = s with { Fenced = false, FenceReason = null };
        if (!pg.Running)
        {
            if (leader.Held)
            {
                // Revoke now instead of letting the TTL run: standbys see the master go at once.
                await leader.ReleaseAsync(ct);
                return (NotLeading(s), "revoked leader lease: postgres is down");
            }
            if (view.LeaderId is { } other && other != node.Id)
            {
                fence.Set($"{other} leads");
                return (NotLeading(s) with { Fenced = true, FenceReason = $"{other} leads" }, $"fenced: {other} leads");
            }
            if (view.PromotionLockHolder is not null || view.Switchover is not null)
            {
                _failoverSeenAt = DateTimeOffset.UtcNow;
                return (NotLeading(s), $"postgres is down and a failover is under way ({view.PromotionLockHolder ?? view.Switchover?.Target}): not restarting");
            }
            // A candidate that dies holding the lock leaves a gap (its lease's TTL, then the next standby's
            // detach, report and decision) in which nobody holds it: coming back then would undo a failover that
            // is still going. The restart delay on top gives the next standby room on a loaded machine; only a
            // failover that nobody can finish (no other eligible standby) pays for it, with a longer outage.
            var notBefore = _failoverSeenAt + TimeSpan.FromSeconds(config.Failover.LeaseTtlSeconds)
                + TimeSpan.FromMilliseconds(config.Failover.DecisionWaitMs) + TimeSpan.FromMilliseconds(config.Failover.PostgresRestartDelayMs);
            if (notBefore > DateTimeOffset.UtcNow)
            {
                return (NotLeading(s), $"postgres is down; a failover was under way until {_failoverSeenAt:HH:mm:ss.fff}: " +
                    $"not restarting for {(notBefore.Value - DateTimeOffset.UtcNow).TotalSeconds:0.0} s, so the next standby can take over");
            }
            return (NotLeading(s), await RestartIfDueAsync(s, ct));
        }
        if (pg.InRecovery)
        {
            return (NotLeading(s), "postgres is in recovery: not taking the leader lease");
        }
        if (!leader.Held && view.LeaderId == node.Id)
        {
            // Our own key from before an agent restart: adopt its lease and keep renewing it.
            leader.Adopt(view.LeaderLease);
        }
        if (leader.Held)
        {
            // Renew before acting as master; the renewal's send time bounds how long the lease is good for.
            var sent = DateTimeOffset.UtcNow;
            bool renewed;
            try
            {
                renewed = await leader.RenewAsync(ct);
            }
            catch (EtcdUnavailableException)
            {
                renewed = false;
            }
            if (renewed)
            {
                await EnsureSynchronousAsync(view, ct);
                return (Leading(s, sent), "renewed leader lease");
            }
            leader.Forget();
            await postgres.FenceAsync(ct);
            return (NotLeading(s) with { Postgres = await probe.ProbeAsync(ct) }, "demoted: lost leader lease; postgres stopped at once");
        }
        if (view.LeaderId is null)
        {
            if (view.PromotionLockHolder is not null || view.Switchover is not null)
            {
                await postgres.FenceAsync(ct);
                return (NotLeading(s) with { Postgres = await probe.ProbeAsync(ct) },
                    $"a failover to {view.PromotionLockHolder ?? view.Switchover?.Target} is under way: postgres stopped");
            }
            var sent = DateTimeOffset.UtcNow;
            if (await leader.TryAcquireAsync(view, ct))
            {
                await EnsureSynchronousAsync(view, ct);
                return (Leading(s, sent) with { LeaderId = node.Id }, "acquired leader lease");
            }
            await postgres.FenceAsync(ct);
            return (NotLeading(s) with { Postgres = await probe.ProbeAsync(ct) }, "lost the race for the leader lease: postgres stopped");
        }
        fence.Set($"{view.LeaderId} leads");
        await postgres.FenceAsync(ct);
        return (NotLeading(s) with { Fenced = true, FenceReason = $"{view.LeaderId} leads", Postgres = await probe.ProbeAsync(ct) },
            $"fenced: {view.LeaderId} holds the leader lease");
    }

    private NodeSnapshot Leading(NodeSnapshot s, DateTimeOffset renewalSent) => s with
    {
        HoldsLeader = true,
        // Half a second of margin for etcd's own clock and the time /health takes to answer.
        LeaseValidUntil = renewalSent + TimeSpan.FromSeconds(config.Failover.LeaseTtlSeconds) - TimeSpan.FromMilliseconds(500),
    };

    private static NodeSnapshot NotLeading(NodeSnapshot s) => s with { HoldsLeader = false, LeaseValidUntil = default };

    private async Task<(NodeSnapshot, string)> ActAsReplicaAsync(NodeSnapshot s, ClusterView view, PostgresState pg, CancellationToken ct)
    {
        race.Remember(view);
        var master = view.LeaderId is { } l ? view.Status(l) : null;
        var lag = master?.WalPosition is { } lp && pg.ReplayPosition is { } rp ? Math.Max(0, lp - rp) : (long?)null;
        s = NotLeading(s) with { Fenced = false, FenceReason = null, LagBytes = lag, MasterTimeline = master?.Timeline };
        if (!pg.Running)
        {
            return (s, await RestartIfDueAsync(s, ct));
        }
        await EnsureUpstreamAsync(s.Role, view, ct);
        var inFailoverSet = s.Role == NodeRoles.Standby && !s.Async;
        if (view.LeaderId is null && (inFailoverSet || view.Switchover?.Target == node.Id))
        {
            return (s, await race.RunAsync(view, pg, ct));
        }
        var upstream = UpstreamName(view);
        return (s, pg.Streaming
            ? $"{s.Role} streaming from {upstream}, {lag?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} bytes behind"
            : $"{s.Role} not streaming from {upstream} (wal receiver: {pg.ReceiverStatus ?? "none"})");
    }

    /// <summary>A crashed Postgres is restarted after a pause, so a crash loop does not spin and operators can see the outage.</summary>
    private async Task<string> RestartIfDueAsync(NodeSnapshot s, CancellationToken ct)
    {
        var due = (_postgresDownSince ?? s.Postgres.ObservedAt) + TimeSpan.FromMilliseconds(config.Failover.PostgresRestartDelayMs);
        if (DateTimeOffset.UtcNow < due)
        {
            return $"postgres is down: restarting in {(due - DateTimeOffset.UtcNow).TotalSeconds:0.0} s";
        }
        var settings = SettingsFor(s.Role, s.View);
        await postgres.StartAsync(settings, ct);
        _appliedSynchronousNames = settings.GetValueOrDefault("synchronous_standby_names");
        _appliedUpstream = settings.GetValueOrDefault("primary_conninfo");
        return "restarted postgres";
    }

    public IReadOnlyDictionary<string, string> SettingsFor(string role, ClusterView? view)
    {
        if (role == NodeRoles.Master)
        {
            return view is null
                ? PostgresSettings.ForMaster(config, node, postgres.DataDir, postgres.LogFile, synchronous: true)
                : PostgresSettings.ForMaster(config, node, postgres.DataDir, postgres.LogFile, PostgresSettings.SynchronousCandidates(config, node.Id, view.Members));
        }
        if (Upstream(view) is not { } up)
        {
            return PostgresSettings.Detached(config, node, postgres.DataDir, postgres.LogFile);
        }
        return PostgresSettings.ForReplica(config, node, postgres.DataDir, postgres.LogFile, up.Host, up.Port);
    }

    /// <summary>
    /// Where this replica streams from. Followers and async standbys always go through the load balancer,
    /// which follows the master. Failover standbys stream from the leader directly; while there is none
    /// they stream from the promotion lock's holder (a cascade that follows its timeline switch the moment
    /// it is promoted, so the new master has a synchronous standby at once), and with neither they have no
    /// upstream at all, so a master that is not quite dead can no longer get a synchronous acknowledgement
    /// (except the synchronous standby catching up from a further, detached standby: see FailoverRace).
    /// </summary>
    public (string Host, int Port)? Upstream(ClusterView? view)
    {
        var source = view?.LeaderId ?? view?.PromotionLockHolder ?? (view is null ? null : race.CatchUpSource(view));
        if (view is not null && source == node.Id)
        {
            return null;
        }
        if (view is null || (view.LeaderId is null && view.Members.Count == 0))
        {
            var configured = config.Nodes.First(n => n.Role == NodeRole.Master);
            return PostgresSettings.Upstream(config, node, configured);
        }
        if (node.StreamsThroughLoadBalancer)
        {
            return (config.LoadBalancer.Host, config.LoadBalancer.PostgresPort);
        }
        if (source is null || view.Member(source) is not { } m)
        {
            return null;
        }
        return (m.Host, m.PostgresPort);
    }

    private string UpstreamName(ClusterView view) => node.StreamsThroughLoadBalancer
        ? "the load balancer"
        : view.LeaderId ?? view.PromotionLockHolder ?? race.CatchUpSource(view) ?? "nobody";

    private async Task EnsureUpstreamAsync(string role, ClusterView view, CancellationToken ct)
    {
        var settings = SettingsFor(role, view);
        var upstream = settings.GetValueOrDefault("primary_conninfo") ?? "";
        if (upstream == _appliedUpstream)
        {
            return;
        }
        await postgres.ApplyAsync(settings, ct);
        _appliedUpstream = upstream;
        log.LogInformation("upstream is now {Upstream}", upstream.Length == 0 ? "none (detached)" : UpstreamName(view));
    }

    /// <summary>Names the synchronous candidates from etcd's membership, reloading only when the list changes.</summary>
    private async Task EnsureSynchronousAsync(ClusterView view, CancellationToken ct)
    {
        var settings = SettingsFor(NodeRoles.Master, view);
        var names = settings["synchronous_standby_names"];
        if (names == _appliedSynchronousNames)
        {
            return;
        }
        await postgres.ApplyAsync(settings, ct);
        _appliedSynchronousNames = names;
        log.LogInformation("synchronous_standby_names = {Names}", names);
    }

    private async Task<NodeSnapshot> EtcdUnreachableAsync(NodeSnapshot previous, PostgresState pg, EtcdUnavailableException e, CancellationToken ct)
    {
        // Without etcd we cannot renew, and another node may be promoted once the lease runs out: fence now.
        var wasLeading = leader.Held;
        if (wasLeading)
        {
            leader.Forget();
            await postgres.FenceAsync(ct);
            pg = await probe.ProbeAsync(ct);
        }
        return NotLeading(previous) with
        {
            Postgres = pg,
            Fenced = previous.Role == NodeRoles.Master,
            FenceReason = previous.Role == NodeRoles.Master ? "etcd unreachable: cannot vouch for the leader lease" : null,
            Outcome = $"etcd unreachable: {e.Message}" + (wasLeading ? "; demoted: postgres stopped at once" : ""),
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

    /// <summary>Lets a command that changed the node (promotion, re-enrolment) say which settings it applied.</summary>
    public void Applied(IReadOnlyDictionary<string, string> settings)
    {
        _appliedSynchronousNames = settings.GetValueOrDefault("synchronous_standby_names");
        _appliedUpstream = settings.GetValueOrDefault("primary_conninfo");
    }
}
