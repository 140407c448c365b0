using System.Diagnostics;
using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.NodeAgent.Failover;

/// <summary>
/// <c>promotion-lock</c>, taken by an eligible standby under a lease of its own: if the winner dies
/// before it is promoted, the lease runs out and the next eligible standby can race. The transaction
/// also requires <c>leader</c> to be absent, so a lock can never be taken beside a living master.
/// </summary>
public sealed class PromotionLock(EtcdSession etcd, ClusterKeys keys, ClusterConfig config, NodeConfig node)
{
    public long LeaseId { get; private set; }
    public Guid FailoverId { get; private set; }
    public bool Held => LeaseId != 0;

    /// <summary>When this node took the lock, and whom it replaces: what a self-promotion needs.</summary>
    public DateTimeOffset AcquiredAt { get; private set; }
    public string FormerMaster { get; private set; } = "";

    /// <summary>The failover's trace, begun when the lock was won: a self-promotion continues it.</summary>
    public ActivityContext Trace { get; set; }

    public async Task<bool> TryAcquireAsync(Guid failoverId, string formerMaster, CancellationToken ct)
    {
        if (Held)
        {
            return FailoverId == failoverId;
        }
        var lease = await etcd.GrantLeaseAsync(config.Failover.LeaseTtlSeconds, ct);
        var txn = new Etcdserverpb.TxnRequest();
        txn.Compare.Add(EtcdSession.KeyMissing(keys.PromotionLock));
        txn.Compare.Add(EtcdSession.KeyMissing(keys.Leader));
        txn.Success.Add(EtcdSession.Put(keys.PromotionLock, node.Id, lease));
        if (!(await etcd.TxnAsync(txn, ct)).Succeeded)
        {
            await etcd.RevokeLeaseAsync(lease, ct);
            return false;
        }
        LeaseId = lease;
        FailoverId = failoverId;
        FormerMaster = formerMaster;
        AcquiredAt = DateTimeOffset.UtcNow;
        return true;
    }

    /// <summary>Keeps the lock while waiting for the saga; false when the lease is gone.</summary>
    public async Task<bool> RenewAsync(CancellationToken ct)
    {
        if (!Held)
        {
            return false;
        }
        if (await etcd.KeepAliveOnceAsync(LeaseId, ct) > 0)
        {
            return true;
        }
        LeaseId = 0;
        return false;
    }

    /// <summary>Lets the next candidate race (a failed promotion), or tidies up after a successful one.</summary>
    public async Task ReleaseAsync(CancellationToken ct)
    {
        if (!Held)
        {
            return;
        }
        var lease = LeaseId;
        LeaseId = 0;
        await etcd.RevokeLeaseAsync(lease, ct);
    }
}
