using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Telemetry;

namespace Conjur.EventSourced.NodeAgent.Ha;

/// <summary>
/// The master's dead-man's switch: <c>leader</c> attached to a lease this agent renews once per cycle,
/// and only while its own Postgres is healthy. If renewal fails or finds the lease gone, the node must
/// fence at once: by then another node may already be promoting. Taking the key is a transaction that
/// also checks this node is still a master member at the revision it read (a removed member never leads).
/// </summary>
public sealed class LeaderLease(EtcdSession etcd, ClusterKeys keys, ClusterConfig config, NodeConfig node, AgentMetrics metrics)
{
    public long LeaseId { get; private set; }
    public bool Held => LeaseId != 0;

    public async Task<bool> TryAcquireAsync(ClusterView view, CancellationToken ct)
    {
        if (view.LeaderId is not null || !view.MemberRevisions.TryGetValue(node.Id, out var memberRevision))
        {
            return false;
        }
        var lease = await etcd.GrantLeaseAsync(config.Failover.LeaseTtlSeconds, ct);
        var txn = new Etcdserverpb.TxnRequest();
        txn.Compare.Add(EtcdSession.KeyMissing(keys.Leader));
        txn.Compare.Add(EtcdSession.ModRevisionIs(keys.Member(node.Id), memberRevision));
        txn.Success.Add(EtcdSession.Put(keys.Leader, node.Id, lease));
        var result = await etcd.TxnAsync(txn, ct);
        if (!result.Succeeded)
        {
            await etcd.RevokeLeaseAsync(lease, ct);
            return false;
        }
        LeaseId = lease;
        return true;
    }

    /// <summary>Renews once; false when etcd says the lease is gone (expired or revoked).</summary>
    public async Task<bool> RenewAsync(CancellationToken ct)
    {
        if (!Held)
        {
            return false;
        }
        long ttl;
        try
        {
            ttl = await etcd.KeepAliveOnceAsync(LeaseId, ct);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            metrics.LeaseRenewal("error");
            throw;
        }
        if (ttl <= 0)
        {
            metrics.LeaseRenewal("failed");
            LeaseId = 0;
            return false;
        }
        metrics.LeaseRenewal("ok");
        return true;
    }

    /// <summary>Gives the lease up at once (Postgres died): standbys see <c>leader</c> vanish now, not a TTL later.</summary>
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

    /// <summary>Takes over the lease of our own <c>leader</c> key, written by this node's previous agent process.</summary>
    public void Adopt(long leaseId) => LeaseId = leaseId;

    /// <summary>Forget a lease we can no longer vouch for (e.g. etcd unreachable past its TTL).</summary>
    public void Forget() => LeaseId = 0;
}
