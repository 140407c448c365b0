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

    [Fact]
    public void StandbyStreamingAnOlderTimelineThanTheMasters_IsUnhealthy_AndSaysItNeedsARewind()
    {
        // What a re-enrolment that rewound nothing left: the WAL receiver connects on timeline 1, again and again.
        var s = new NodeSnapshot { NodeId = "n", Role = "standby", Postgres = Streaming with { Timeline = 1 }, MasterTimeline = 2 };

        s.Healthy.ShouldBeFalse();
        s.Problem!.ShouldContain("behind the master's 2");
    }

    [Fact]
    public void StandbyOnTheMastersTimeline_IsHealthy()
    {
        var s = new NodeSnapshot { NodeId = "n", Role = "standby", Postgres = Streaming with { Timeline = 2 }, MasterTimeline = 2 };

        s.Healthy.ShouldBeTrue();
    }

    [Fact]
    public void FollowerSwitchingToANewMastersTimeline_KeepsServingReads()
    {
        var s = new NodeSnapshot { NodeId = "n", Role = "follower", Postgres = Streaming with { Timeline = 1 }, MasterTimeline = 2 };

        s.AcceptingRequests.ShouldBeTrue();
    }
}
