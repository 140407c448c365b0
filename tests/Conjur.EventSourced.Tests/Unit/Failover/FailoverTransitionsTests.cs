using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.ControlPlane.Failover;
using Conjur.EventSourced.ControlPlane.Failover.History;

namespace Conjur.EventSourced.Tests.Unit.Failover;

public class FailoverTransitionsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static FailoverState Started(string kind = FailoverKinds.Automatic)
    {
        var s = new FailoverState { CorrelationId = Guid.NewGuid() };
        FailoverTransitions.Start(s, "c1", kind, "test", "node1", "node2", 7, ["node2", "node3", "node1", "node3"], T0);
        return s;
    }

    [Fact]
    public void Started_ReplicasExcludeCandidateFormerMasterAndDuplicates()
    {
        var s = Started();

        s.Replicas.ShouldBe(["node3"]);
        s.TakeUnrecorded().Single().ShouldBeOfType<FailoverInitiated>().Node.ShouldBe("node2");
        s.TakeUnrecorded().ShouldBeEmpty();
    }

    [Fact]
    public void NewDeadline_MakesEarlierTimeoutStale()
    {
        var s = Started();
        FailoverTransitions.Expect(s, FailoverSteps.Promoting, TimeSpan.FromSeconds(10), T0);
        var first = new FailoverStepTimedOut { FailoverId = s.CorrelationId, ClusterId = "c1", Step = FailoverSteps.Promoting, Attempt = s.Attempt, Deadline = s.Deadline!.Value };

        FailoverTransitions.Expect(s, FailoverSteps.Promoting, TimeSpan.FromSeconds(10), T0.AddSeconds(3));

        s.Deadline.ShouldBe(T0.AddSeconds(13));
        FailoverTransitions.IsCurrent(s, first).ShouldBeFalse();
        FailoverTransitions.IsCurrent(s, first with { Attempt = s.Attempt }).ShouldBeTrue();
        FailoverTransitions.IsCurrent(s, first with { Attempt = s.Attempt, Step = FailoverSteps.Rebasing }).ShouldBeFalse();
    }

    [Fact]
    public void Promoted_PendingIsEveryReplicaButTheNewMaster()
    {
        var s = Started();
        s.Replicas = ["node3", "node4", "node5"];

        FailoverTransitions.Promoted(s, new MasterPromoted
        {
            FailoverId = s.CorrelationId, ClusterId = "c1", NodeId = "node5", FormerMaster = "node1", Timeline = 3, SwitchPosition = 10, PromotedAt = T0,
        }, T0);

        s.NewMaster.ShouldBe("node5");
        s.Pending.ShouldBe(["node3", "node4"]);
        s.TakeUnrecorded().OfType<RebaseRequested>().Select(r => r.Node).ShouldBe(["node3", "node4"]);
    }

    [Fact]
    public void RebaseTimeout_ReasonNamesOnlySilentReplicas()
    {
        var s = Started();
        s.Pending = ["node4"];
        s.Rebased = ["node3"];

        FailoverTransitions.WhatDidNotAnswer(s, FailoverSteps.Rebasing).ShouldBe("replicas node4 did not answer RebaseStandby");
    }

    [Fact]
    public void Options_StepPeriodsHaveTheDocumentedDefaults()
    {
        var o = new FailoverOptions();

        o.For(FailoverSteps.SteppingDown).ShouldBe(TimeSpan.FromSeconds(30));
        o.For(FailoverSteps.AwaitingLock).ShouldBe(TimeSpan.FromSeconds(10));
        o.For(FailoverSteps.Promoting).ShouldBe(TimeSpan.FromSeconds(10));
        o.For(FailoverSteps.Rebasing).ShouldBe(TimeSpan.FromSeconds(60));
        Should.Throw<ArgumentOutOfRangeException>(() => o.For(FailoverSteps.Completed));
    }
}
