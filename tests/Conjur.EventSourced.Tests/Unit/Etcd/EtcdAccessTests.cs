using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Tests.Unit.Etcd;

public sealed class EtcdAccessTests
{
    private static readonly ClusterConfig Cluster = DefaultTopology.Create("/tmp/conjur-unit", 41000, clusterId: "c1", nodes:
    [
        ("node1", NodeRole.Master, false),
        ("node2", NodeRole.Standby, false),
        ("node3", NodeRole.Standby, true),
        ("node4", NodeRole.Follower, false),
    ]);

    private static readonly ClusterKeys Keys = new(Cluster);

    private static EtcdRole Role(string name) => EtcdAccess.Roles(Cluster).Single(r => r.Name == name);

    private static bool Writes(EtcdRole role, string key) =>
        role.Grants.Any(g => g.Write && (g.Prefix ? key.StartsWith(g.Key, StringComparison.Ordinal) : key == g.Key));

    private static bool Reads(EtcdRole role, string key) =>
        role.Grants.Any(g => g.Prefix ? key.StartsWith(g.Key, StringComparison.Ordinal) : key == g.Key);

    [Fact]
    public void Follower_CannotTakeTheLeadOrTheLockOrChangeMembers()
    {
        var follower = Role("c1-node4");
        Writes(follower, Keys.Leader).ShouldBeFalse();
        Writes(follower, Keys.PromotionLock).ShouldBeFalse();
        Writes(follower, Keys.Switchover).ShouldBeFalse();
        Writes(follower, Keys.Member("node1")).ShouldBeFalse();
        Writes(follower, Keys.Member("node4")).ShouldBeFalse();
    }

    [Fact]
    public void Follower_WritesItsOwnAliveAndStatusKeys()
    {
        var follower = Role("c1-node4");
        Writes(follower, Keys.Alive("node4")).ShouldBeTrue();
        Writes(follower, Keys.Status("node4")).ShouldBeTrue();
    }

    [Fact]
    public void Standby_MovesTheLeadTheLockAndMembersInAPromotion()
    {
        var standby = Role("c1-node2");
        Writes(standby, Keys.Leader).ShouldBeTrue();
        Writes(standby, Keys.PromotionLock).ShouldBeTrue();
        Writes(standby, Keys.Switchover).ShouldBeTrue();
        Writes(standby, Keys.Member("node1")).ShouldBeTrue();
    }

    [Fact]
    public void AsyncStandby_CanLeadForAForcedPromotion() => Writes(Role("c1-node3"), Keys.Leader).ShouldBeTrue();

    [Fact]
    public void Node_NeverWritesAnotherNodesAliveOrStatusKey()
    {
        var master = Role("c1-node1");
        Writes(master, Keys.Alive("node2")).ShouldBeFalse();
        Writes(master, Keys.Status("node2")).ShouldBeFalse();
    }

    [Fact]
    public void Node_NeverWritesTheInitialisedMarker() => Writes(Role("c1-node1"), Keys.Initialized).ShouldBeFalse();

    [Fact]
    public void EveryRole_ReadsTheWholeClusterPrefix() =>
        EtcdAccess.Roles(Cluster).ShouldAllBe(r => Reads(r, Keys.Leader) && Reads(r, Keys.Status("node3")));

    [Fact]
    public void Operator_OnlyReads()
    {
        var observer = Role(EtcdAccess.ObserverRole("c1"));
        observer.Grants.ShouldAllBe(g => !g.Write);
    }

    [Fact]
    public void NoRole_ReachesOutsideItsCluster() =>
        EtcdAccess.Roles(Cluster).SelectMany(r => r.Grants).ShouldAllBe(g => g.Key.StartsWith(Keys.Prefix, StringComparison.Ordinal));

    [Fact]
    public void Users_OnePerNodeAndTheOperator_EachWithItsOwnRole()
    {
        var users = EtcdAccess.Users(Cluster);
        users.Select(u => u.User).ShouldBe(["c1-node1", "c1-node2", "c1-node3", "c1-node4", "c1-operator"]);
        users.Where(u => u.User != "c1-operator").ShouldAllBe(u => u.Role == u.User);
        users.Single(u => u.User == "c1-operator").Role.ShouldBe("c1-observer");
    }
}
