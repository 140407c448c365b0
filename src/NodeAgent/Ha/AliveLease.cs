using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.NodeAgent.Ha;

/// <summary>
/// The agent's own lease for <c>alive/{node}</c> and <c>status/{node}</c>: the "majority operational"
/// rule counts these, and a failover compares the WAL positions in <c>status/</c>.
/// </summary>
public sealed class AliveLease(EtcdSession etcd, ClusterKeys keys, ClusterConfig config, NodeConfig node)
{
    private long _lease;

    public async Task RefreshAsync(NodeStatusRecord status, CancellationToken ct)
    {
        if (_lease == 0 || await etcd.KeepAliveOnceAsync(_lease, ct) <= 0)
        {
            _lease = await etcd.GrantLeaseAsync(config.Failover.LeaseTtlSeconds, ct);
            await etcd.PutAsync(keys.Alive(node.Id), DateTimeOffset.UtcNow.ToString("O"), _lease, ct);
        }
        await etcd.PutAsync(keys.Status(node.Id), status.ToJson(), _lease, ct);
    }

    /// <summary>Writes <c>status/{node}</c> at once (the final position after the leader is lost), under the alive lease.</summary>
    public async Task PutStatusAsync(NodeStatusRecord status, CancellationToken ct)
    {
        if (_lease == 0)
        {
            await RefreshAsync(status, ct);
            return;
        }
        await etcd.PutAsync(keys.Status(node.Id), status.ToJson(), _lease, ct);
    }

    public async Task ReleaseAsync(CancellationToken ct)
    {
        if (_lease != 0)
        {
            await etcd.RevokeLeaseAsync(_lease, ct);
            _lease = 0;
        }
    }
}
