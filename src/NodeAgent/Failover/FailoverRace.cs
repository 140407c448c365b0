using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Messaging;
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
    ILogger<FailoverRace> log)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(40);
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

        pg = await WaitUntilDetachedAsync(pg, ct);
        if (!pg.Running)
        {
            return "postgres is down: cannot take part in the failover";
        }
        await alive.PutStatusAsync(StatusFor(pg, term), ct);

        var window = TimeSpan.FromMilliseconds(config.Failover.DecisionWaitMs);
        while (true)
        {
            view = ClusterView.From(keys, await etcd.GetPrefixAsync(keys.Prefix, ct));
            if (view.LeaderId is not null || view.PromotionLockHolder is not null)
            {
                return view.LeaderId is { } l ? $"{l} leads again" : $"{view.PromotionLockHolder} won the promotion lock";
            }
            var waited = DateTimeOffset.UtcNow - firstSeen >= window;
            var highest = _highest[term] = Math.Max(_highest.GetValueOrDefault(term), FailoverDecision.HighestReported(view, lost));
            var verdict = FailoverDecision.Decide(node.Id, view, lost, _preconditionsHeld.Contains(term), waited, highest);
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
        log.LogWarning("won the promotion lock ({Reason})", reason);
        events.Publish(new PromotionLockAcquired
        {
            FailoverId = failoverId,
            ClusterId = config.ClusterId,
            Kind = kind,
            Candidate = node.Id,
            FormerMaster = formerMaster,
            Term = lost.Term,
            Position = Math.Max(pg.ReceivePosition ?? 0, pg.ReplayPosition ?? 0),
            // Only the replicas that are alive now: one whose node is down is re-enrolled when it returns.
            Replicas = view.Members.Keys.Where(id => id != node.Id && id != formerMaster && view.Alive.Contains(id)).Order(StringComparer.Ordinal).ToList(),
            AcquiredAt = DateTimeOffset.UtcNow,
        });
        return $"won the promotion lock: {reason}";
    }

    /// <summary>After the reload that removed the upstream, the WAL receiver takes a moment to stop; wait for it (bounded) so the reported position is final.</summary>
    private async Task<PostgresState> WaitUntilDetachedAsync(PostgresState pg, CancellationToken ct)
    {
        var until = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
        while (pg.Running && pg.ReceiverStatus is "streaming" or "starting" or "waiting" && DateTimeOffset.UtcNow < until)
        {
            await Task.Delay(Poll, ct);
            pg = await probe.ProbeAsync(ct);
        }
        return pg;
    }

    public static NodeStatusRecord StatusFor(PostgresState pg, long? term) =>
        new(pg.InRecovery ? NodeRoles.Standby : NodeRoles.Master, pg.Running, pg.InRecovery, pg.Timeline, pg.Position,
            pg.ReceivePosition is { } r ? Math.Max(r, pg.ReplayPosition ?? 0) : pg.ReplayPosition, pg.ReplayPosition, pg.ObservedAt,
            SyncStandby: pg.Replicas.FirstOrDefault(x => x.SyncState == "sync")?.NodeId, Term: term);
}
