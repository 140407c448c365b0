using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.ControlPlane.ClusterStatus;
using Conjur.EventSourced.ControlPlane.Heartbeats;
using Conjur.EventSourced.Hosting.Topology;
using static Conjur.EventSourced.Tests.Unit.ClusterStatus.NodeReports;

namespace Conjur.EventSourced.Tests.Unit.ClusterStatus;

public class ClusterViewComposerTests
{
    private static readonly ClusterConfig Config = DefaultTopology.Create("/tmp/conjur-unit", clusterId: Cluster);

    // At sequence 10 every report below is observed at T0 + 10 s.
    private static readonly DateTimeOffset Now = T0.AddSeconds(10).AddMilliseconds(500);

    private static NodeStatus Status(params INodeEvent[] events) =>
        events.Aggregate((NodeStatus?)null, NodeStatusProjection.Evolve)!;

    private static NodeStatus HealthyMaster(params ReplicaSeen[] replicas) =>
        Status(Heartbeat("node1", 10, NodeRoles.Master), Lag("node1", 10, NodeRoles.Master, replicas: replicas));

    private static NodeStatus HealthyStandby(string id) => Status(Heartbeat(id, 10), Lag(id, 10, lagBytes: 16));

    private static NodeStatus HealthyFollower(string id) => Status(Heartbeat(id, 10, NodeRoles.Follower), Lag(id, 10, NodeRoles.Follower));

    private static NodeView Node(ClusterView view, string id) => view.Nodes.Single(n => n.Id == id);

    [Fact]
    public void AllReporting_MasterChosenAndSyncFlagsFromMastersReplicas()
    {
        var statuses = new[]
        {
            HealthyMaster(Replica("node2", "sync"), Replica("node3", "potential"), Replica("node4", "async")),
            HealthyStandby("node2"), HealthyStandby("node3"), HealthyFollower("node4"),
        };

        var view = ClusterViewComposer.Compose(Config, statuses, Now);

        view.Master.ShouldBe("node1");
        view.Nodes.Select(n => n.Id).ShouldBe(["node1", "node2", "node3", "node4"]);
        view.Nodes.ShouldAllBe(n => n.Healthy);
        Node(view, "node1").Sync.ShouldBeNull();
        Node(view, "node2").Sync.ShouldBe(true);
        Node(view, "node2").SyncState.ShouldBe("sync");
        Node(view, "node3").Sync.ShouldBe(false);
        Node(view, "node3").SyncState.ShouldBe("potential");
        Node(view, "node4").Sync.ShouldBeNull();
        Node(view, "node4").SyncState.ShouldBe("async");
        Node(view, "node2").LagBytes.ShouldBe(16);
        Node(view, "node2").HeartbeatAgeMs.ShouldBe(500);
    }

    [Fact]
    public void HeartbeatOlderThanThreeIntervals_NodeUnhealthyWithAge()
    {
        var statuses = new[] { HealthyMaster(Replica("node2", "sync")), Status(Heartbeat("node2", 6)) };

        var view = ClusterViewComposer.Compose(Config, statuses, Now);

        var node2 = Node(view, "node2");
        node2.Healthy.ShouldBeFalse();
        node2.Problem.ShouldBe("no heartbeat for 4500 ms");
        node2.HeartbeatAgeMs.ShouldBe(4500);
    }

    [Fact]
    public void HeartbeatJustWithinThreeIntervals_NodeHealthy()
    {
        var statuses = new[] { HealthyMaster(Replica("node2", "sync")), Status(Heartbeat("node2", 8)) };

        Node(ClusterViewComposer.Compose(Config, statuses, T0.AddSeconds(11)), "node2").Healthy.ShouldBeTrue();
    }

    [Fact]
    public void StaleMaster_NoMaster()
    {
        var statuses = new[] { Status(Heartbeat("node1", 5, NodeRoles.Master)), HealthyStandby("node2") };

        var view = ClusterViewComposer.Compose(Config, statuses, Now);

        view.Master.ShouldBeNull();
        Node(view, "node1").Healthy.ShouldBeFalse();
    }

    [Fact]
    public void UnhealthyMaster_NoMasterAndItsOwnProblemShown()
    {
        var statuses = new[] { Status(Heartbeat("node1", 10, NodeRoles.Master, healthy: false)) };

        var view = ClusterViewComposer.Compose(Config, statuses, Now);

        view.Master.ShouldBeNull();
        Node(view, "node1").Problem.ShouldBe("postgres is not running");
    }

    [Fact]
    public void StandbyMissingFromReportingMastersReplicas_NotStreaming()
    {
        var statuses = new[] { HealthyMaster(Replica("node2", "sync")), HealthyStandby("node2"), HealthyStandby("node3") };

        var view = ClusterViewComposer.Compose(Config, statuses, Now);

        Node(view, "node3").Healthy.ShouldBeFalse();
        Node(view, "node3").Problem.ShouldBe("not streaming from the master");
        Node(view, "node3").Sync.ShouldBeNull();
    }

    [Fact]
    public void MastersLagReportStale_MissingReplicaNotJudged()
    {
        var master = Status(Lag("node1", 2, NodeRoles.Master), Heartbeat("node1", 10, NodeRoles.Master));
        var statuses = new[] { master, HealthyStandby("node3") };

        Node(ClusterViewComposer.Compose(Config, statuses, Now), "node3").Healthy.ShouldBeTrue();
    }

    [Fact]
    public void ConfiguredNodeNeverHeard_ListedUnhealthy()
    {
        var view = ClusterViewComposer.Compose(Config, [HealthyMaster()], Now);

        var node4 = Node(view, "node4");
        node4.Healthy.ShouldBeFalse();
        node4.Problem.ShouldBe("no heartbeat received");
        node4.Role.ShouldBeNull();
        node4.HeartbeatCount.ShouldBe(0);
    }

    [Fact]
    public void TwoHealthyMasters_HigherTimelineIsMasterOtherFlagged()
    {
        var old = Status(Heartbeat("node1", 10, NodeRoles.Master), Lag("node1", 10, NodeRoles.Master, timeline: 1));
        var promoted = Status(Heartbeat("node2", 10, NodeRoles.Master), Lag("node2", 10, NodeRoles.Master, timeline: 2));

        var view = ClusterViewComposer.Compose(Config, [old, promoted], Now);

        view.Master.ShouldBe("node2");
        Node(view, "node1").Healthy.ShouldBeFalse();
        Node(view, "node1").Problem.ShouldBe("also claims to be master (node2 is)");
    }

    [Fact]
    public void OtherClustersStatus_Ignored()
    {
        var foreign = Status(Heartbeat("node1", 10, NodeRoles.Master, cluster: "other"));

        ClusterViewComposer.Compose(Config, [foreign], Now).Master.ShouldBeNull();
    }
}
