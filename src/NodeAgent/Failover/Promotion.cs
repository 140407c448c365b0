using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Ha;
using Conjur.EventSourced.NodeAgent.Postgres;

namespace Conjur.EventSourced.NodeAgent.Failover;

/// <summary>
/// Carries out <see cref="PromoteStandby"/>. Order matters for S1: first one etcd transaction takes
/// <c>leader</c> (only if it is absent, this node is still a member and, unless forced, holds the
/// promotion lock) and removes the old master from <c>members</c>; only then does Postgres leave
/// recovery. /health says master only once both are true, so HAProxy never routes writes to a node
/// that is still promoting, and the old master can never come back as a member.
/// </summary>
public sealed class Promotion(
    ClusterConfig config,
    NodeConfig node,
    EtcdSession etcd,
    ClusterKeys keys,
    PostgresProbe probe,
    PostgresSupervisor postgres,
    LeaderLease leader,
    PromotionLock promotionLock,
    HaCycle cycle,
    NodeState state,
    AgentGate gate,
    CycleTrigger trigger,
    ILogger<Promotion> log)
{
    private MasterPromoted? _done;

    /// <summary>
    /// Promotes this node for <paramref name="command"/>, or answers it again if that is already done.
    /// <paramref name="selfInitiated"/>: the saga's command did not come in time and the agent acts on its own
    /// (<see cref="SelfPromotion"/>); the checks and the etcd transaction are the same.
    /// </summary>
    public async Task<object> PromoteAsync(PromoteStandby command, CancellationToken ct, bool selfInitiated = false)
    {
        using var turn = await gate.EnterAsync("promoting", TimeSpan.FromSeconds(10), ct);
        try
        {
            return await PromoteLockedAsync(command, selfInitiated, ct);
        }
        finally
        {
            trigger.Pulse();
        }
    }

    private async Task<object> PromoteLockedAsync(PromoteStandby command, bool selfInitiated, CancellationToken ct)
    {
        // Every millisecond here is write outage: read etcd and Postgres, and grant the new leader lease, at the
        // same time (a lease that ends up unused is revoked).
        var reading = etcd.GetPrefixAsync(keys.Prefix, ct);
        var probing = probe.ProbeAsync(ct);
        var granting = etcd.GrantLeaseAsync(config.Failover.LeaseTtlSeconds, ct);
        var granted = DateTimeOffset.UtcNow;
        var view = ClusterView.From(keys, await reading);
        var pg = await probing;
        var lease = await granting;
        try
        {
            return await PromoteWithLeaseAsync(command, selfInitiated, view, pg, lease, granted, ct);
        }
        finally
        {
            // Unless it became the leader's lease it is not needed: give it back (revoking one already gone is a no-op).
            if (leader.LeaseId != lease)
            {
                await RevokeUnusedAsync(lease);
            }
        }
    }

    private async Task RevokeUnusedAsync(long lease)
    {
        try
        {
            await etcd.RevokeLeaseAsync(lease, CancellationToken.None);
        }
        catch (Exception e) when (e is EtcdUnavailableException or OperationCanceledException)
        {
            // Best effort: it expires after its TTL anyway.
            log.LogWarning("could not revoke the unused lease {Lease}: {Error}", lease, e.Message);
        }
    }

    private async Task<object> PromoteWithLeaseAsync(PromoteStandby command, bool selfInitiated, ClusterView view, PostgresState pg,
        long lease, DateTimeOffset granted, CancellationToken ct)
    {
        var alreadyMaster = view.LeaderId == node.Id && pg.Running && !pg.InRecovery && command.FormerMaster != node.Id;
        if (_done is { } done && done.FailoverId == command.FailoverId && alreadyMaster)
        {
            return done;
        }
        if (alreadyMaster)
        {
            // Promoted for this failover before an agent restart (the answer was lost with the process), or by
            // itself while the control plane was away: the step is done, say so rather than refuse it.
            log.LogInformation("PromoteStandby for failover {FailoverId}: already the master", command.FailoverId);
            return Promoted(command, pg, pg.Timeline is { } tl ? postgres.SwitchPointOf(tl) ?? 0 : 0, selfInitiated);
        }
        string? refusal = (view, pg) switch
        {
            ({ LeaderId: { } l }, _) => $"{l} holds the leader lease",
            _ when view.Member(node.Id) is null => "this node is not a member",
            _ when !command.Forced && view.PromotionLockHolder != node.Id => $"this node does not hold the promotion lock (holder: {view.PromotionLockHolder ?? "nobody"})",
            (_, { Running: false }) => "postgres is not running",
            (_, { InRecovery: false }) => "postgres is not a standby",
            _ => null,
        };
        if (refusal is not null)
        {
            return await FailAsync(command, refusal, ct);
        }

        var switchPosition = pg.Received;
        var standbyRecord = view.Member(node.Id)!;
        var masterRecord = standbyRecord with { Role = NodeRoles.Master, Async = false };
        var txn = new Etcdserverpb.TxnRequest();
        txn.Compare.Add(EtcdSession.KeyMissing(keys.Leader));
        txn.Compare.Add(EtcdSession.ModRevisionIs(keys.Member(node.Id), view.MemberRevisions[node.Id]));
        if (!command.Forced)
        {
            txn.Compare.Add(EtcdSession.ValueIs(keys.PromotionLock, node.Id));
        }
        txn.Success.Add(EtcdSession.Put(keys.Leader, node.Id, lease));
        txn.Success.Add(EtcdSession.Put(keys.Member(node.Id), masterRecord.ToJson()));
        if (command.FormerMaster != node.Id)
        {
            txn.Success.Add(EtcdSession.Delete(keys.Member(command.FormerMaster)));
        }
        txn.Success.Add(EtcdSession.Delete(keys.PromotionLock));
        txn.Success.Add(EtcdSession.Delete(keys.Switchover));
        if (!(await etcd.TxnAsync(txn, ct)).Succeeded)
        {
            return await FailAsync(command, "the promotion transaction failed: the leader, the lock or this node's membership changed", ct);
        }
        leader.Adopt(lease);
        // The transaction deleted the lock's key; its lease is given back while Postgres promotes.
        var releasingLock = promotionLock.ReleaseAsync(ct);
        log.LogWarning("took the leader lease (failover {FailoverId}); promoting postgres", command.FailoverId);

        // Name the synchronous standbys before leaving recovery (a standby ignores the setting): the very
        // first commit of the new master then waits for one, so no acknowledged write lives on this node alone.
        var members = new Dictionary<string, MemberRecord>(view.Members) { [node.Id] = masterRecord };
        members.Remove(command.FormerMaster);
        var settings = cycle.SettingsFor(NodeRoles.Master, view with { LeaderId = node.Id, Members = members });
        int timeline;
        try
        {
            timeline = await postgres.PromoteAsync(settings, ct);
            cycle.Applied(settings);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Give the lease back at once so the next candidate can race, and stay a standby member.
            await releasingLock;
            await leader.ReleaseAsync(ct);
            await etcd.PutAsync(keys.Member(node.Id), standbyRecord.ToJson(), ct: ct);
            return await FailAsync(command, $"pg_promote failed: {e.Message}", ct);
        }

        // Say so on /health now rather than at the next cycle (which probes Postgres afresh): HAProxy moves
        // traffic on its next check.
        pg = pg with { InRecovery = false, Timeline = timeline, CurrentWalPosition = switchPosition, ReceiverStatus = null, ObservedAt = DateTimeOffset.UtcNow };
        state.Set(state.Current with
        {
            Role = NodeRoles.Master,
            HoldsLeader = true,
            LeaderId = node.Id,
            Fenced = false,
            FenceReason = null,
            Postgres = pg,
            LeaseValidUntil = granted + TimeSpan.FromSeconds(config.Failover.LeaseTtlSeconds) - TimeSpan.FromMilliseconds(500),
            Outcome = "promoted",
            UpdatedAt = DateTimeOffset.UtcNow,
        });
        await releasingLock;
        _done = Promoted(command, pg, switchPosition, selfInitiated);
        log.LogWarning("promoted{How}: master on timeline {Timeline}", selfInitiated ? " (by itself, without the saga's command)" : "", _done.Timeline);
        return _done;
    }

    private MasterPromoted Promoted(PromoteStandby command, PostgresState pg, long switchPosition, bool selfPromoted) => new()
    {
        FailoverId = command.FailoverId,
        ClusterId = config.ClusterId,
        NodeId = node.Id,
        FormerMaster = command.FormerMaster,
        Timeline = pg.Timeline ?? 0,
        SwitchPosition = switchPosition,
        PromotedAt = DateTimeOffset.UtcNow,
        SelfPromoted = selfPromoted,
    };

    private async Task<PromotionFailed> FailAsync(PromoteStandby command, string reason, CancellationToken ct)
    {
        log.LogWarning("promotion refused: {Reason}", reason);
        await promotionLock.ReleaseAsync(ct);
        return new PromotionFailed
        {
            FailoverId = command.FailoverId,
            ClusterId = config.ClusterId,
            NodeId = node.Id,
            Reason = reason,
            FailedAt = DateTimeOffset.UtcNow,
        };
    }
}
