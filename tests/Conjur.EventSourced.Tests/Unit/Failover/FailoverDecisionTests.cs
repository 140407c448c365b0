using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.NodeAgent.Failover;

namespace Conjur.EventSourced.Tests.Unit.Failover;

/// <summary>The seed's preconditions and the candidate rule, on hand-made etcd reads.</summary>
public sealed class FailoverDecisionTests
{
    private const long Term = 42;
    private static readonly LeaderMemory Lost = new("node1", Term, SyncStandby: "node2", DateTimeOffset.UtcNow);

    private static ClusterView View(
        IEnumerable<string>? alive = null,
        Dictionary<string, long?>? positions = null,
        SwitchoverRecord? switchover = null,
        Dictionary<string, string>? remembers = null)
    {
        var members = new Dictionary<string, MemberRecord>
        {
            ["node1"] = new("master", false, "127.0.0.1", 1, 2),
            ["node2"] = new("standby", false, "127.0.0.1", 3, 4),
            ["node3"] = new("standby", false, "127.0.0.1", 5, 6),
            ["node4"] = new("follower", false, "127.0.0.1", 7, 8),
        };
        var statuses = (positions ?? []).ToDictionary(p => p.Key, p =>
            new NodeStatusRecord("standby", true, true, 1, p.Value, p.Value, p.Value, DateTimeOffset.UtcNow,
                SyncStandby: remembers?.GetValueOrDefault(p.Key), Term: p.Value is null ? null : Term));
        return new ClusterView(10, null, 0, members, members.ToDictionary(m => m.Key, _ => 1L),
            (alive ?? ["node1", "node2", "node3", "node4"]).ToHashSet(), statuses, null, Switchover: switchover);
    }

    [Fact]
    public void SyncStandbyAsFarAsEveryone_Races()
    {
        var verdict = FailoverDecision.Decide("node2", View(positions: new() { ["node2"] = 100, ["node3"] = 100 }), Lost, false, false);

        verdict.Kind.ShouldBe(FailoverVerdictKind.Race);
    }

    [Fact]
    public void PotentialStandbyEquallyFar_LetsTheSyncStandbyGoFirst()
    {
        FailoverDecision.Decide("node3", View(positions: new() { ["node2"] = 100, ["node3"] = 100 }), Lost, false, false)
            .Kind.ShouldBe(FailoverVerdictKind.StandBy);
    }

    [Fact]
    public void PotentialStandbyFurtherThanTheSyncStandby_TheSyncStandbyCatchesUpFromIt_WhileItWaits()
    {
        // The master's note that node2 is synchronous can be a cycle old: if node3 took the role since (node2
        // detached first, or node3 reconnected with the higher priority), node3's extra records were acknowledged.
        var view = View(positions: new() { ["node2"] = 100, ["node3"] = 120 });

        var sync = FailoverDecision.Decide("node2", view, Lost, false, false);
        sync.Kind.ShouldBe(FailoverVerdictKind.CatchUp);
        (sync.From, sync.Target).ShouldBe(("node3", 120L));
        var further = FailoverDecision.Decide("node3", view, Lost, false, waitedLongEnough: false);
        further.Kind.ShouldBe(FailoverVerdictKind.Wait);
        further.Reason.ShouldContain("node2 is catching up");
    }

    [Fact]
    public void SyncStandbyCaughtUp_IsAsFar_AndGoesFirst()
    {
        var view = View(positions: new() { ["node2"] = 120, ["node3"] = 120 });

        FailoverDecision.Decide("node2", view, Lost, true, false, caughtUp: true).Kind.ShouldBe(FailoverVerdictKind.Race);
        FailoverDecision.Decide("node3", view, Lost, true, false).Kind.ShouldBe(FailoverVerdictKind.StandBy);
    }

    [Fact]
    public void SyncStandbyCouldNotCatchUp_StandsBy_AndTheFurthestRacesAfterTheWindow()
    {
        var view = View(positions: new() { ["node2"] = 110, ["node3"] = 120 });

        var sync = FailoverDecision.Decide("node2", view, Lost, true, false, caughtUp: true);
        sync.Kind.ShouldBe(FailoverVerdictKind.StandBy);
        sync.Reason.ShouldContain("node3 reported position 120");
        FailoverDecision.Decide("node3", view, Lost, true, waitedLongEnough: true).Kind.ShouldBe(FailoverVerdictKind.Race);
    }

    [Fact]
    public void FurthestStandby_RacesAtOnce_WhenTheSyncStandbyIsNotOperational()
    {
        // node2 reported, then its agent died: nobody is catching up, so there is nothing to wait for.
        var view = View(alive: ["node1", "node3", "node4"], positions: new() { ["node2"] = 100, ["node3"] = 120 });

        FailoverDecision.Decide("node3", view, Lost, preconditionsHeld: true, waitedLongEnough: false).Kind.ShouldBe(FailoverVerdictKind.Race);
    }

    [Fact]
    public void NonSynchronousStandbyBehind_NeverCatchesUp()
    {
        var verdict = FailoverDecision.Decide("node3", View(positions: new() { ["node2"] = 120, ["node3"] = 100 }), Lost, false, false);

        verdict.Kind.ShouldBe(FailoverVerdictKind.StandBy);
    }

    [Fact]
    public void SyncStandbyWaitsForTheOtherStandbysPosition_EvenAfterTheWindow_WhileThatOneIsOperational()
    {
        // node3 may have acknowledged the last commits (the master switched its synchronous standby after its
        // last report): slow to report on a loaded host is no reason to decide without it.
        var view = View(positions: new() { ["node2"] = 100 });

        var early = FailoverDecision.Decide("node2", view, Lost, false, waitedLongEnough: false);
        early.Kind.ShouldBe(FailoverVerdictKind.Wait);
        early.Reason.ShouldContain("node3");
        var late = FailoverDecision.Decide("node2", view, Lost, false, waitedLongEnough: true);
        late.Kind.ShouldBe(FailoverVerdictKind.Wait);
        late.Reason.ShouldContain("may hold the last acknowledged commits");
    }

    [Fact]
    public void SyncStandbyRaces_OnceTheSilentStandbyIsNoLongerOperational()
    {
        var view = View(alive: ["node2", "node4"], positions: new() { ["node2"] = 100 });

        FailoverDecision.Decide("node2", view, Lost, true, waitedLongEnough: false).Kind.ShouldBe(FailoverVerdictKind.Race);
    }

    [Fact]
    public void FollowerFurtherThanEveryStandby_DoesNotRaiseTheBar()
    {
        // Followers never acknowledge commits: whatever extra WAL they received counts for nothing.
        var view = View(positions: new() { ["node2"] = 100, ["node3"] = 100, ["node4"] = 500 });

        FailoverDecision.Decide("node2", view, Lost, false, false).Kind.ShouldBe(FailoverVerdictKind.Race);
        FailoverDecision.HighestReported(view, Lost).ShouldBe(100);
    }

    [Fact]
    public void StandbyBehindTheSyncStandby_StandsBy()
    {
        var verdict = FailoverDecision.Decide("node3", View(positions: new() { ["node2"] = 200, ["node3"] = 100 }), Lost, false, false);

        verdict.Kind.ShouldBe(FailoverVerdictKind.StandBy);
        verdict.Reason.ShouldContain("node2");
    }

    [Fact]
    public void SyncStandbyNotReported_WaitsThenBlocks()
    {
        var view = View(positions: new() { ["node3"] = 100 });

        FailoverDecision.Decide("node3", view, Lost, false, waitedLongEnough: false).Kind.ShouldBe(FailoverVerdictKind.Wait);
        var verdict = FailoverDecision.Decide("node3", view, Lost, false, waitedLongEnough: true);
        verdict.Kind.ShouldBe(FailoverVerdictKind.Blocked);
        verdict.Reason.ShouldContain("synchronous standby node2");
    }

    [Fact]
    public void OneFailoverStandbyStopped_Blocks()
    {
        var verdict = FailoverDecision.Decide("node2",
            View(alive: ["node1", "node2", "node4"], positions: new() { ["node2"] = 100 }), Lost, false, false);

        verdict.Kind.ShouldBe(FailoverVerdictKind.Blocked);
        verdict.Reason.ShouldContain("only 1 failover standby operational");
    }

    [Fact]
    public void MinorityOfMembersAlive_Blocks()
    {
        // The master and the follower are gone: two of four is not a majority.
        var verdict = FailoverDecision.Decide("node2",
            View(alive: ["node2", "node3"], positions: new() { ["node2"] = 100, ["node3"] = 100 }), Lost, false, false);

        verdict.Kind.ShouldBe(FailoverVerdictKind.Blocked);
        verdict.Reason.ShouldContain("majority");
    }

    [Fact]
    public void MasterHadNoSyncStandby_Blocks()
    {
        FailoverDecision.Decide("node2", View(positions: new() { ["node2"] = 100, ["node3"] = 100 }), Lost with { SyncStandby = null }, false, false)
            .Kind.ShouldBe(FailoverVerdictKind.Blocked);
    }

    [Fact]
    public void SecondRoundAfterTheWinnerDied_NeedsNoFreshPreconditions_OnlyThePosition()
    {
        // node2 won, then died: it no longer counts as operational, but its reported position still does.
        var view = View(alive: ["node1", "node3", "node4"], positions: new() { ["node2"] = 100, ["node3"] = 100 });

        FailoverDecision.Decide("node3", view, Lost, preconditionsHeld: true, false).Kind.ShouldBe(FailoverVerdictKind.Race);
        FailoverDecision.Decide("node3", View(alive: ["node1", "node3", "node4"], positions: new() { ["node2"] = 150, ["node3"] = 100 }),
            Lost, preconditionsHeld: true, false).Kind.ShouldBe(FailoverVerdictKind.StandBy);
        FailoverDecision.HighestReported(View(positions: new() { ["node2"] = 150, ["node3"] = 120 }), Lost).ShouldBe(150);
    }

    [Fact]
    public void Follower_NeverRacesAutomatically()
    {
        FailoverDecision.Decide("node4", View(positions: new() { ["node2"] = 100, ["node3"] = 100, ["node4"] = 500 }), Lost, false, false)
            .Kind.ShouldBe(FailoverVerdictKind.StandBy);
    }

    [Fact]
    public void Switchover_OnlyTheTargetRaces_OnceCaughtUp()
    {
        var handover = new SwitchoverRecord(Guid.NewGuid(), "node1", "node3", Position: 150);

        FailoverDecision.Decide("node2", View(positions: new() { ["node2"] = 150, ["node3"] = 150 }, switchover: handover), Lost, false, false)
            .Kind.ShouldBe(FailoverVerdictKind.StandBy);
        FailoverDecision.Decide("node3", View(positions: new() { ["node2"] = 150, ["node3"] = 100 }, switchover: handover), Lost, false, false)
            .Kind.ShouldBe(FailoverVerdictKind.Wait);
        FailoverDecision.Decide("node3", View(positions: new() { ["node2"] = 150, ["node3"] = 150 }, switchover: handover), Lost, false, false)
            .Kind.ShouldBe(FailoverVerdictKind.Race);
    }

    [Fact]
    public void WinnerDiedWithItsReport_LaterCandidateStillNeedsItsPosition()
    {
        // node2 reported 150 and won, then died: its status key went with its lease.
        var view = View(alive: ["node1", "node3", "node4"], positions: new() { ["node3"] = 100 });

        FailoverDecision.Decide("node3", view, Lost, preconditionsHeld: true, false, floor: 150).Kind.ShouldBe(FailoverVerdictKind.StandBy);
        FailoverDecision.Decide("node3", view, Lost, preconditionsHeld: true, false, floor: 100).Kind.ShouldBe(FailoverVerdictKind.Race);
    }

    [Fact]
    public void StandbysRememberingDifferentSyncStandbys_SettleOnOne_OnATie()
    {
        // The role moved just before the master died, and each standby read the master's status at a different moment.
        var view = View(positions: new() { ["node2"] = 100, ["node3"] = 100 }, remembers: new() { ["node2"] = "node3", ["node3"] = "node2" });

        FailoverDecision.Decide("node2", view, Lost with { SyncStandby = "node3" }, false, false).Kind.ShouldBe(FailoverVerdictKind.Race);
        FailoverDecision.Decide("node3", view, Lost with { SyncStandby = "node2" }, false, false).Kind.ShouldBe(FailoverVerdictKind.StandBy);
    }

    [Fact]
    public void StandbysRememberingDifferentSyncStandbys_TheOneSettledOnCatchesUp_TheOtherWaitsForIt()
    {
        var view = View(positions: new() { ["node2"] = 100, ["node3"] = 120 }, remembers: new() { ["node2"] = "node3", ["node3"] = "node2" });

        FailoverDecision.Decide("node2", view, Lost with { SyncStandby = "node3" }, false, false).Kind.ShouldBe(FailoverVerdictKind.CatchUp);
        FailoverDecision.Decide("node3", view, Lost with { SyncStandby = "node2" }, false, false).Kind.ShouldBe(FailoverVerdictKind.Wait);
    }
}
