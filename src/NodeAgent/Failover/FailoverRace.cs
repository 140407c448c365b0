using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Ha;
using Conjur.EventSourced.NodeAgent.Postgres;
using Conjur.EventSourced.NodeAgent.Telemetry;

namespace Conjur.EventSourced.NodeAgent.Failover;

/// <summary>
/// A standby's part when <c>leader</c> is gone: report the final received position for the lost term,
/// check the preconditions once for that term, and race for <c>promotion-lock</c> if eligible. The
/// cycle has already detached this standby from the old master (no upstream), so its position can no
/// longer move and the old master can no longer count it as a synchronous acknowledgement.
/// </summary>
public sealed class FailoverRace(
    ClusterConfig config,
    NodeConfig node,
    EtcdSession etcd,
    ClusterKeys keys,
    PostgresProbe probe,
    AliveLease alive,
    PromotionLock promotionLock,
    FailoverEvents events,
    CycleTrigger trigger,
    ILogger<FailoverRace> log)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(40);

    /// <summary>How long the synchronous standby may take to stream the WAL it lacks from the furthest standby.</summary>
    private static readonly TimeSpan CatchUpBound = TimeSpan.FromSeconds(1);
    private CatchUpPlan? _catchUp;
    private NodeStatusRecord? _lastReport;
    private readonly HashSet<long> _preconditionsHeld = [];
    private readonly Dictionary<long, string> _blocked = [];
    private readonly HashSet<long> _lossReported = [];
    private readonly Dictionary<long, DateTimeOffset> _firstSeen = [];
    private readonly Dictionary<long, long> _highest = [];

    public LeaderMemory? Memory { get; private set; }

    /// <summary>Called every cycle while a leader exists, so the memory of the master and its sync standby is at most one cycle old.</summary>
    public void Remember(ClusterView view)
    {
        if (view.LeaderId is not { } leader || leader == node.Id)
        {
            return;
        }
        var sync = view.Status(leader)?.SyncStandby;
        // A master that just lost its replicas reports none; the last one named still holds every acknowledged commit.
        if (sync is null && Memory is { } m && m.Term == view.LeaderTerm)
        {
            sync = m.SyncStandby;
        }
        Memory = new LeaderMemory(leader, view.LeaderTerm, sync, DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// The standby to stream from while catching up in a failover of the current term (no leader, no lock
    /// holder); null otherwise. The HA cycle points Postgres at it.
    /// </summary>
    public string? CatchUpSource(ClusterView view) =>
        view.LeaderId is null && view.PromotionLockHolder is null && _catchUp is { } c && c.Term == Memory?.Term ? c.From : null;

    /// <summary>
    /// What the HA cycle writes to <c>status/</c> at the end of each cycle. While this node reports for a lost
    /// term: a position never below its last report (the cycle's probe may predate a detach or a catch-up, and
    /// a Postgres that died since must not take back what it had received), and the synchronous standby it
    /// remembers, which the other standbys settle on.
    /// </summary>
    public NodeStatusRecord StatusToRefresh(PostgresState pg, ClusterView view) =>
        Refreshed(StatusFor(pg, ReportingTerm(view)), _lastReport, Memory?.SyncStandby);

    /// <summary>The pure part of <see cref="StatusToRefresh"/>.</summary>
    public static NodeStatusRecord Refreshed(NodeStatusRecord fresh, NodeStatusRecord? lastReport, string? rememberedSync)
    {
        if (fresh.Term is not { } term)
        {
            return fresh;
        }
        fresh = fresh with { SyncStandby = rememberedSync };
        return lastReport is { ReceivePosition: { } reported } && lastReport.Term == term && reported > (fresh.ReceivePosition ?? 0)
            ? fresh with { ReceivePosition = reported }
            : fresh;
    }

    /// <summary>The term this node currently reports its final position for (null while a master leads).</summary>
    public long? ReportingTerm(ClusterView view) => view.LeaderId is null ? Memory?.Term : null;

    public async Task<string> RunAsync(ClusterView view, PostgresState pg, CancellationToken ct)
    {
        if (Memory is not { } lost)
        {
            return "no master has been seen yet: nothing to fail over from";
        }
        var term = lost.Term;
        if (_blocked.TryGetValue(term, out var why) && view.Switchover is null)
        {
            return $"failover blocked for {lost.LeaderId} (term {term}): {why}";
        }
        if (promotionLock.Held)
        {
            return await promotionLock.RenewAsync(ct)
                ? "holding the promotion lock: waiting for the failover saga to promote this node"
                : "lost the promotion lock (lease expired)";
        }
        if (view.PromotionLockHolder is { } holder)
        {
            LockSeen(view, term);
            return $"{holder} holds the promotion lock";
        }
        var failoverId = view.Switchover?.FailoverId ?? FailoverIds.ForTerm(config.ClusterId, term);
        var firstSeen = _firstSeen.TryGetValue(term, out var f) ? f : _firstSeen[term] = DateTimeOffset.UtcNow;
        if (_lossReported.Add(term))
        {
            events.Publish(new LeaderLeaseLost
            {
                FailoverId = failoverId, ClusterId = config.ClusterId, FormerMaster = lost.LeaderId, Term = term,
                ObservedBy = node.Id, ObservedAt = firstSeen,
            });
        }

        var catchUp = _catchUp is { } plan && plan.Term == term ? plan : null;
        pg = catchUp is null ? await WaitUntilDetachedAsync(pg, ct) : pg;
        if (!pg.Running)
        {
            return "postgres is down: cannot take part in the failover";
        }
        if (catchUp is { Over: false })
        {
            pg = await CatchUpAsync(catchUp, pg, ct);
        }
        _lastReport = Refreshed(StatusFor(pg, term), _lastReport, lost.SyncStandby);
        await alive.PutStatusAsync(_lastReport, ct);

        var window = TimeSpan.FromMilliseconds(config.Failover.DecisionWaitMs);
        while (true)
        {
            view = ClusterView.From(keys, await etcd.GetPrefixAsync(keys.Prefix, ct));
            if (view.LeaderId is not null || view.PromotionLockHolder is not null)
            {
                LockSeen(view, term);
                return view.LeaderId is { } l ? $"{l} leads again" : $"{view.PromotionLockHolder} won the promotion lock";
            }
            var waited = DateTimeOffset.UtcNow - firstSeen >= window;
            var highest = _highest[term] = Math.Max(_highest.GetValueOrDefault(term), FailoverDecision.HighestReported(view, lost));
            var verdict = FailoverDecision.Decide(node.Id, view, lost, _preconditionsHeld.Contains(term), waited, highest, caughtUp: catchUp is not null);
            switch (verdict.Kind)
            {
                case FailoverVerdictKind.Wait when !waited:
                    await Task.Delay(Poll, ct);
                    continue;
                case FailoverVerdictKind.Wait:
                    return $"failover: {verdict.Reason}";
                case FailoverVerdictKind.Blocked:
                    _blocked[term] = verdict.Reason;
                    log.LogWarning("failover blocked: {Reason}", verdict.Reason);
                    events.Publish(new FailoverBlocked
                    {
                        FailoverId = failoverId, ClusterId = config.ClusterId, FormerMaster = lost.LeaderId, Term = term,
                        ObservedBy = node.Id, Reason = verdict.Reason, ObservedAt = DateTimeOffset.UtcNow,
                    });
                    return $"failover blocked: {verdict.Reason}";
                case FailoverVerdictKind.StandBy:
                    _preconditionsHeld.Add(term);
                    return $"standing by: {verdict.Reason}";
                case FailoverVerdictKind.Race:
                    _preconditionsHeld.Add(term);
                    return await RaceAsync(view, lost, failoverId, pg, verdict.Reason, ct);
                case FailoverVerdictKind.CatchUp:
                    // The cycle points Postgres at the furthest standby (it runs again at once); the next call streams.
                    _preconditionsHeld.Add(term);
                    _catchUp = new CatchUpPlan(term, verdict.From!, verdict.Target, StartedAt: DateTimeOffset.UtcNow);
                    log.LogWarning("failover: {Reason}", verdict.Reason);
                    trigger.Pulse();
                    return $"failover: {verdict.Reason}";
                default:
                    throw new InvalidOperationException(verdict.Kind.ToString());
            }
        }
    }

    private async Task<string> RaceAsync(ClusterView view, LeaderMemory lost, Guid failoverId, PostgresState pg, string reason, CancellationToken ct)
    {
        var formerMaster = view.Switchover?.From ?? lost.LeaderId;
        if (!await promotionLock.TryAcquireAsync(failoverId, formerMaster, ct))
        {
            return "lost the race for the promotion lock";
        }
        var kind = view.Switchover is null ? FailoverKinds.Automatic : FailoverKinds.Switchover;
        // The failover's trace starts here: the saga and every agent's part descend from this span across the bus.
        using var span = AgentTracing.StartFailover(failoverId, node.Id, kind);
        promotionLock.Trace = span?.Context ?? default;
        log.LogWarning("won the promotion lock ({Reason})", reason);
        events.Publish(new PromotionLockAcquired
        {
            FailoverId = failoverId,
            ClusterId = config.ClusterId,
            Kind = kind,
            Candidate = node.Id,
            FormerMaster = formerMaster,
            Term = lost.Term,
            Position = pg.Received,
            // Only the replicas that are alive now: one whose node is down is re-enrolled when it returns.
            Replicas = view.Members.Keys.Where(id => id != node.Id && id != formerMaster && view.Alive.Contains(id)).Order(StringComparer.Ordinal).ToList(),
            AcquiredAt = DateTimeOffset.UtcNow,
        });
        return $"won the promotion lock: {reason}";
    }

    /// <summary>
    /// Another standby took the lock of an automatic failover: it checked the preconditions for this term, so they
    /// held. Remembered here too, for a standby that saw the lock before deciding itself: if that winner dies, the
    /// second round must not check them again (with the winner gone they fail by construction, and the failover
    /// would be blocked instead of passing to this standby).
    /// </summary>
    private void LockSeen(ClusterView view, long term)
    {
        if (view.PromotionLockHolder is not null && view.Switchover is null)
        {
            _preconditionsHeld.Add(term);
        }
    }

    /// <summary>
    /// Streams from the furthest standby until this node has received up to its position (bounded); over
    /// either way, and the position reached is what this node then reports.
    /// </summary>
    private async Task<PostgresState> CatchUpAsync(CatchUpPlan plan, PostgresState pg, CancellationToken ct)
    {
        var left = plan.StartedAt + CatchUpBound - DateTimeOffset.UtcNow;
        if (pg.Running && pg.Received < plan.Target && left > TimeSpan.Zero)
        {
            await Wait.UntilAsync(async c =>
            {
                pg = await probe.ProbeAsync(c);
                return !pg.Running || pg.Received >= plan.Target;
            }, left, TimeSpan.FromMilliseconds(10), ct);
        }
        _catchUp = plan with { Over = true };
        var took = (DateTimeOffset.UtcNow - plan.StartedAt).TotalMilliseconds;
        if (pg.Received >= plan.Target)
        {
            log.LogWarning("caught up from {From} to position {Position} in {Ms:0} ms", plan.From, pg.Received, took);
        }
        else
        {
            log.LogWarning("could not catch up from {From} within {Ms:0} ms: at {Position} of {Target}", plan.From, took, pg.Received, plan.Target);
        }
        return pg;
    }

    private sealed record CatchUpPlan(long Term, string From, long Target, DateTimeOffset StartedAt, bool Over = false);

    /// <summary>After the reload that removed the upstream, the WAL receiver takes a moment to stop; wait for it (bounded) so the reported position is final.</summary>
    private async Task<PostgresState> WaitUntilDetachedAsync(PostgresState pg, CancellationToken ct)
    {
        static bool Detached(PostgresState s) => !s.Running || s.ReceiverStatus is not ("streaming" or "starting" or "waiting");
        if (!Detached(pg))
        {
            await Wait.UntilAsync(async c =>
            {
                pg = await probe.ProbeAsync(c);
                return Detached(pg);
            }, TimeSpan.FromSeconds(1), Poll, ct);
        }
        return pg;
    }

    public static NodeStatusRecord StatusFor(PostgresState pg, long? term) =>
        new(pg.InRecovery ? NodeRoles.Standby : NodeRoles.Master, pg.Running, pg.InRecovery, pg.Timeline, pg.Position,
            pg.ReceivePosition is null && pg.ReplayPosition is null ? null : pg.Received, pg.ReplayPosition, pg.ObservedAt,
            SyncStandby: pg.Replicas.FirstOrDefault(x => x.SyncState == "sync")?.NodeId, Term: term);
}
