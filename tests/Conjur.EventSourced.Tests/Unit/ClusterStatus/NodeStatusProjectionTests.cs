using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.ControlPlane.ClusterStatus;
using static Conjur.EventSourced.Tests.Unit.ClusterStatus.NodeReports;

namespace Conjur.EventSourced.Tests.Unit.ClusterStatus;

public class NodeStatusProjectionTests
{
    [Fact]
    public void FirstHeartbeat_CreatesStatusFromReport()
    {
        var status = NodeStatusProjection.Create(Heartbeat("node2", 1));

        status.Id.ShouldBe("unit/node/node2");
        status.NodeId.ShouldBe("node2");
        status.Role.ShouldBe(NodeRoles.Standby);
        status.Healthy.ShouldBeTrue();
        status.LastHeartbeatAt.ShouldBe(T0.AddSeconds(1));
        status.AgentInstance.ShouldBe(Agent);
        status.LastSequence.ShouldBe(1);
        status.HeartbeatCount.ShouldBe(1);
    }

    [Fact]
    public void NextHeartbeat_UpdatesStateAndCounts()
    {
        var status = NodeStatusProjection.Create(Heartbeat("node2", 1));

        status = NodeStatusProjection.Apply(Heartbeat("node2", 2, healthy: false), status);

        status.Healthy.ShouldBeFalse();
        status.Problem.ShouldBe("postgres is not running");
        status.LastSequence.ShouldBe(2);
        status.HeartbeatCount.ShouldBe(2);
    }

    [Fact]
    public void DuplicateHeartbeat_ChangesNothing()
    {
        var status = NodeStatusProjection.Apply(Heartbeat("node2", 2), NodeStatusProjection.Create(Heartbeat("node2", 1)));

        NodeStatusProjection.Apply(Heartbeat("node2", 2, healthy: false), status).ShouldBeSameAs(status);
    }

    [Fact]
    public void OutOfOrderHeartbeat_ChangesNothing()
    {
        var status = NodeStatusProjection.Apply(Heartbeat("node2", 5), NodeStatusProjection.Create(Heartbeat("node2", 4)));

        NodeStatusProjection.Apply(Heartbeat("node2", 3, healthy: false), status).ShouldBeSameAs(status);
    }

    [Fact]
    public void RestartedAgent_NewInstanceWithLowerSequenceIsApplied()
    {
        var status = NodeStatusProjection.Create(Heartbeat("node2", 100));
        var restarted = Guid.NewGuid();

        status = NodeStatusProjection.Apply(Heartbeat("node2", 1, agent: restarted, at: T0.AddSeconds(200)), status);

        status.AgentInstance.ShouldBe(restarted);
        status.LastSequence.ShouldBe(1);
        status.HeartbeatCount.ShouldBe(2);
    }

    [Fact]
    public void LateHeartbeatOfPreviousInstance_ChangesNothing()
    {
        var status = NodeStatusProjection.Create(Heartbeat("node2", 1, agent: Guid.NewGuid(), at: T0.AddSeconds(200)));

        NodeStatusProjection.Apply(Heartbeat("node2", 150, at: T0.AddSeconds(150)), status).ShouldBeSameAs(status);
    }

    [Fact]
    public void LagReportWithHeartbeatsSequence_IsOrderedApartFromHeartbeats()
    {
        var status = NodeStatusProjection.Create(Heartbeat("node2", 7));

        status = NodeStatusProjection.Apply(Lag("node2", 7, lagBytes: 42), status);

        status.LagBytes.ShouldBe(42);
        status.LastLagSequence.ShouldBe(7);
        status.WalPosition.ShouldBe(1007);
        status.Timeline.ShouldBe(1);
        status.HeartbeatCount.ShouldBe(1);
    }

    [Fact]
    public void DuplicateLagReport_ChangesNothing()
    {
        var status = NodeStatusProjection.Create(Lag("node1", 3, NodeRoles.Master, replicas: [Replica("node2", "sync")]));

        NodeStatusProjection.Apply(Lag("node1", 3, NodeRoles.Master, replicas: []), status).ShouldBeSameAs(status);
        NodeStatusProjection.Apply(Lag("node1", 2, NodeRoles.Master, replicas: []), status).ShouldBeSameAs(status);
    }

    [Fact]
    public void MasterLagReport_KeepsItsReplicaList()
    {
        var status = NodeStatusProjection.Create(Lag("node1", 1, NodeRoles.Master,
            replicas: [Replica("node2", "sync"), Replica("node3", "potential")]));

        status.Replicas.Select(r => (r.NodeId, r.SyncState)).ShouldBe([("node2", "sync"), ("node3", "potential")]);
    }
}
