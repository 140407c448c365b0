using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Etcd;

/// <summary>
/// Who may read and write which of a cluster's etcd keys: a pure function of the configuration, so the
/// table is unit-tested and the launcher only carries it out. Every part reads the whole prefix (each
/// decides from the same view). Each node writes its own <c>alive/</c> and <c>status/</c> keys; only
/// nodes that can ever be master (the master, the standbys, asynchronous ones for a forced promotion)
/// also write <c>leader</c>, <c>promotion-lock</c>, <c>switchover</c> and <c>members/</c>, because a
/// promotion moves them in one transaction. A follower can therefore neither take the lead nor fence
/// anyone, and the operator's tools only read. <c>root</c> (used by <c>cluster up</c> alone) seeds the
/// members and administers users.
/// </summary>
public static class EtcdAccess
{
    public const string RootUser = "root";

    /// <summary>etcd's users are global to an etcd cluster: names carry the cluster id so clusters could share one.</summary>
    public static string NodeUser(string clusterId, string nodeId) => $"{clusterId}-{nodeId}";

    public static string OperatorUser(string clusterId) => $"{clusterId}-operator";

    public static string ObserverRole(string clusterId) => $"{clusterId}-observer";

    public static IReadOnlyList<EtcdRole> Roles(ClusterConfig config)
    {
        var keys = new ClusterKeys(config);
        var roles = new List<EtcdRole> { new(ObserverRole(config.ClusterId), [EtcdGrant.ReadPrefix(keys.Prefix)]) };
        foreach (var node in config.Nodes)
        {
            var grants = new List<EtcdGrant>
            {
                EtcdGrant.ReadPrefix(keys.Prefix),
                EtcdGrant.ReadWrite(keys.Alive(node.Id)),
                EtcdGrant.ReadWrite(keys.Status(node.Id)),
            };
            if (CanLead(node))
            {
                grants.Add(EtcdGrant.ReadWrite(keys.Leader));
                grants.Add(EtcdGrant.ReadWrite(keys.PromotionLock));
                grants.Add(EtcdGrant.ReadWrite(keys.Switchover));
                grants.Add(EtcdGrant.ReadWritePrefix(keys.MembersPrefix));
            }
            roles.Add(new EtcdRole(NodeUser(config.ClusterId, node.Id), grants));
        }
        return roles;
    }

    /// <summary>Each part's user and the one role it holds (a node's role has the node's user name).</summary>
    public static IReadOnlyList<(string User, string Role)> Users(ClusterConfig config) =>
        config.Nodes.Select(n => (NodeUser(config.ClusterId, n.Id), NodeUser(config.ClusterId, n.Id)))
            .Append((OperatorUser(config.ClusterId), ObserverRole(config.ClusterId)))
            .ToList();

    /// <summary>Followers serve reads only and are never promoted, not even by force.</summary>
    public static bool CanLead(NodeConfig node) => node.Role != NodeRole.Follower;
}
