using Conjur.EventSourced.Cli.Replay;
using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.ControlPlane.ClusterStatus;
using Conjur.EventSourced.ControlPlane.Heartbeats;
using Conjur.EventSourced.ControlPlane.NodeHistory;
using Conjur.EventSourced.ControlPlane.Replay;
using Conjur.EventSourced.Hosting.Topology;
using static Conjur.EventSourced.Tests.Unit.ClusterStatus.NodeReports;

namespace Conjur.EventSourced.Tests.Unit.EventStore;

/// <summary>The pure rules of the event store: sample or state change, failover readiness, query times, node history in words.</summary>
public class EventStoreLogicTests
{
    private static NodeStatus Status(params INodeEvent[] events) => events.Aggregate((NodeStatus?)null, NodeStatusProjection.Evolve)!;

    [Fact]
    public void FirstReportAndEveryChangeOfRoleHealthOrAgent_AreStateChanges_TheRestIsRaw()
    {
        var healthy = Status(Heartbeat("node2", 1));

        NodeReportClassifier.IsStateChange(null, Heartbeat("node2", 1)).ShouldBeTrue("first heartbeat");
        NodeReportClassifier.IsStateChange(healthy, Heartbeat("node2", 2)).ShouldBeFalse("nothing but the time moved");
        NodeReportClassifier.IsStateChange(healthy, Heartbeat("node2", 2, healthy: false)).ShouldBeTrue("unhealthy");
        NodeReportClassifier.IsStateChange(healthy, Heartbeat("node2", 2, NodeRoles.Master)).ShouldBeTrue("role");
        NodeReportClassifier.IsStateChange(healthy, Heartbeat("node2", 1, agent: Guid.NewGuid())).ShouldBeTrue("a restarted agent");
    }

    [Fact]
    public void ASample_FoldsIntoTheStatusAsTheSameReportWould_AndIsNotNewerTwice()
    {
        var before = Status(Heartbeat("node1", 1, NodeRoles.Master), Lag("node1", 1, NodeRoles.Master, replicas: [Replica("node2", "sync")]));
        var heartbeat = Heartbeat("node1", 2, NodeRoles.Master);
        var lag = Lag("node1", 2, NodeRoles.Master, lagBytes: 4096, replicas: [Replica("node2", "sync")]);

        heartbeat.AsSample().ShouldBeOfType<HeartbeatSampled>();
        lag.AsSample().ShouldBeOfType<ReplicationLagSampled>();
        NodeStatusProjection.Evolve(before, heartbeat.AsSample()).ShouldBe(NodeStatusProjection.Evolve(before, heartbeat));
        var afterLag = NodeStatusProjection.Evolve(before, lag.AsSample());
        afterLag.ShouldBe(NodeStatusProjection.Evolve(before, lag));
        afterLag.LagBytes.ShouldBe(4096);
        NodeEventOrder.IsNew(afterLag, lag).ShouldBeFalse("the same report, whichever type it was stored as");
        NodeReportClassifier.IsStateChange(afterLag, Lag("node1", 3, NodeRoles.Master, timeline: 2, replicas: [Replica("node2", "sync")]).AsSample())
            .ShouldBeTrue("the classifier judges the fields, not the type");
    }

    [Fact]
    public void LagReports_StateChangeOnlyWhenTimelineOrReplicaStatesMove()
    {
        var master = Status(Heartbeat("node1", 1, NodeRoles.Master), Lag("node1", 1, NodeRoles.Master, replicas: [Replica("node2", "sync")]));

        NodeReportClassifier.IsStateChange(master, Lag("node1", 2, NodeRoles.Master, lagBytes: 4096, replicas: [Replica("node2", "sync")])).ShouldBeFalse();
        NodeReportClassifier.IsStateChange(master, Lag("node1", 2, NodeRoles.Master, replicas: [Replica("node2", "potential")])).ShouldBeTrue();
        NodeReportClassifier.IsStateChange(master, Lag("node1", 2, NodeRoles.Master, replicas: [])).ShouldBeTrue();
        NodeReportClassifier.IsStateChange(master, Lag("node1", 2, NodeRoles.Master, replicas: [Replica("node2", "sync")], timeline: 2)).ShouldBeTrue();
    }

    [Fact]
    public void FailoverReadiness_SaysWhyNot()
    {
        var config = DefaultTopology.Create("/tmp/conjur-unit", clusterId: Cluster);
        static NodeView Node(string id, string role, bool healthy, bool? sync = null) =>
            new(id, role, healthy, true, false, healthy ? null : "down", sync, null, null, null, null, null, null, null, 0);
        var all = new[] { Node("node1", NodeRoles.Master, true), Node("node2", NodeRoles.Standby, true, true), Node("node3", NodeRoles.Standby, true, false), Node("node4", NodeRoles.Follower, true) };

        var ready = FailoverReadiness.Judge(config, all, "node1", new HashSet<string>(["node1", "node2", "node3", "node4"]));
        ready.Ready.ShouldBeTrue();
        ready.SyncStandby.ShouldBe("node2");

        var degraded = FailoverReadiness.Judge(config, [all[0], Node("node2", NodeRoles.Standby, false), all[2], all[3]], "node1", new HashSet<string>(["node1", "node3"]));
        degraded.Ready.ShouldBeFalse();
        degraded.Reasons.ShouldBe([
            "only 1 failover standby operational, at least 2 are needed",
            "only 2 of 4 members operational, a majority is needed",
            "no synchronous standby",
        ]);
    }

    [Fact]
    public void QueryTimes_NeedAZone()
    {
        QueryTime.TryParse("2026-11-26T17:05:00Z", out var utc, out _).ShouldBeTrue();
        utc.ShouldBe(new DateTimeOffset(2026, 11, 26, 17, 5, 0, TimeSpan.Zero));
        QueryTime.TryParse("2026-11-26T18:05:00+01:00", out var offset, out _).ShouldBeTrue();
        offset.ShouldBe(utc);
        QueryTime.TryParse(null, out var none, out _).ShouldBeTrue();
        none.ShouldBeNull();
        QueryTime.TryParse("2026-11-26T17:05:00", out _, out var error).ShouldBeFalse();
        error.ShouldNotBeNull().ShouldContain("with a zone");
        QueryTime.TryParse("yesterday", out _, out _).ShouldBeFalse();
    }

    [Fact]
    public void EventsCommandQuery_PutsTheClusterInFrontOfABareStream()
    {
        EventsCommand.Query("local", "node/node2*", "heartbeat_recorded", "2026-11-26T17:00:00Z", null, 100, 42)
            .ShouldBe("?stream=local%2Fnode%2Fnode2%2A&type=heartbeat_recorded&from=2026-11-26T17%3A00%3A00Z&limit=100&after=42");
        EventsCommand.Query("local", "local/cluster", null, null, null, 5, null).ShouldBe("?stream=local%2Fcluster&limit=5");
    }

    [Fact]
    public void NodeHistory_RecordsChangesInWordsAndIgnoresRedeliveries()
    {
        var h = new NodeHistory();
        foreach (var e in new INodeEvent[] { Heartbeat("node2", 1), Heartbeat("node2", 2), Heartbeat("node2", 3, healthy: false), Heartbeat("node2", 3, healthy: false), Heartbeat("node2", 4, NodeRoles.Master) })
        {
            h = NodeHistoryProjection.Report(h, e);
        }

        h.ChangeReports.ShouldBe(4);
        h.Changes.Select(c => c.What).ShouldBe([
            "first heartbeat: standby, healthy",
            "unhealthy: postgres is not running",
            "role standby -> master; healthy",
        ]);
    }
}
