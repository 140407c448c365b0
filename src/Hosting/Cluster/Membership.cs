using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Cluster;

/// <summary>
/// Seeds <c>members/</c> from the configuration exactly once, when the cluster is first brought up. After
/// that etcd is the truth about membership: running <c>up</c> again must not re-add a member a failover
/// removed (a removed master comes back only by re-enrolling).
/// </summary>
public static class Membership
{
    public static async Task<bool> SeedOnceAsync(EtcdSession etcd, ClusterConfig config, CancellationToken ct)
    {
        var keys = new ClusterKeys(config);
        var txn = new Etcdserverpb.TxnRequest();
        txn.Compare.Add(EtcdSession.KeyMissing(keys.Initialized));
        txn.Success.Add(EtcdSession.Put(keys.Initialized, DateTimeOffset.UtcNow.ToString("O")));
        foreach (var node in config.Nodes)
        {
            txn.Success.Add(EtcdSession.Put(keys.Member(node.Id), MemberRecord.From(node).ToJson()));
        }
        return (await etcd.TxnAsync(txn, ct)).Succeeded;
    }

    /// <summary>etcd's members now: after a failover the master is whoever was promoted, and a removed node is absent.</summary>
    public static async Task<IReadOnlyDictionary<string, MemberRecord>> CurrentAsync(EtcdSession etcd, ClusterConfig config, CancellationToken ct)
    {
        var keys = new ClusterKeys(config);
        return ClusterView.From(keys, await etcd.GetPrefixAsync(keys.Prefix, ct)).Members;
    }
}
