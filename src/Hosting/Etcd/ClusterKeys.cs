using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Etcd;

/// <summary>The etcd keys of one cluster, under <c>/conjur/{cluster}/</c> (see docs/architecture.md).</summary>
public sealed class ClusterKeys(string clusterId)
{
    public ClusterKeys(ClusterConfig config) : this(config.ClusterId) { }

    public string Prefix { get; } = $"/conjur/{clusterId}/";

    /// <summary>The master's node id, attached to the master's lease: the dead-man's switch.</summary>
    public string Leader => Prefix + "leader";

    /// <summary>Written once when the cluster is first brought up; guards the one-time seeding of members.</summary>
    public string Initialized => Prefix + "initialized";

    public string MembersPrefix => Prefix + "members/";
    public string Member(string node) => MembersPrefix + node;

    public string AlivePrefix => Prefix + "alive/";
    public string Alive(string node) => AlivePrefix + node;

    public string StatusPrefix => Prefix + "status/";
    public string Status(string node) => StatusPrefix + node;

    public string PromotionLock => Prefix + "promotion-lock";

    /// <summary>Written by a master stepping down for a planned switchover: names the one standby allowed to race.</summary>
    public string Switchover => Prefix + "switchover";

    public static string NodeFromKey(string prefix, string key) => key[prefix.Length..];
}
