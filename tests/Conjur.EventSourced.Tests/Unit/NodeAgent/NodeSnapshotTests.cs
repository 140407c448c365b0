using Conjur.EventSourced.NodeAgent.Ha;
using Conjur.EventSourced.NodeAgent.Postgres;

namespace Conjur.EventSourced.Tests.Unit.NodeAgent;

public sealed class NodeSnapshotTests
{
    private static readonly PostgresState Writable = new() { Running = true, InRecovery = false, ObservedAt = DateTimeOffset.UtcNow };
    private static readonly PostgresState Streaming = new() { Running = true, InRecovery = true, ReceiverStatus = "streaming", ObservedAt = DateTimeOffset.UtcNow };

    [Fact]
    public void MasterHoldingTheLease_AcceptsRequests()
    {
        var s = new NodeSnapshot { NodeId = "n", Role = "master", HoldsLeader = true, Postgres = Writable };

        s.AcceptingRequests.ShouldBeTrue();
        s.Problem.ShouldBeNull();
    }

    [Fact]
    public void MasterWithoutTheLease_RefusesRequests_AndSaysWhy()
    {
        var s = new NodeSnapshot { NodeId = "n", Role = "master", HoldsLeader = false, Postgres = Writable };

        s.AcceptingRequests.ShouldBeFalse();
        s.Problem!.ShouldContain("leader lease");
    }

    [Fact]
    public void MasterStillInRecovery_RefusesRequests_EvenWithTheLease()
    {
        var s = new NodeSnapshot { NodeId = "n", Role = "master", HoldsLeader = true, Postgres = Streaming };

        s.AcceptingRequests.ShouldBeFalse();
    }

    [Fact]
    public void StreamingStandby_IsHealthy_ButNeverAcceptsRequests()
    {
        var s = new NodeSnapshot { NodeId = "n", Role = "standby", Postgres = Streaming };

        s.Healthy.ShouldBeTrue();
        s.AcceptingRequests.ShouldBeFalse();
    }

    [Fact]
    public void FollowerNotStreaming_IsUnhealthy()
    {
        var s = new NodeSnapshot { NodeId = "n", Role = "follower", Postgres = Streaming with { ReceiverStatus = null } };

        s.Healthy.ShouldBeFalse();
        s.AcceptingRequests.ShouldBeFalse();
        s.Problem!.ShouldContain("not streaming");
    }
}
