using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.ControlPlane.ClusterHistory;
using Conjur.EventSourced.ControlPlane.Failover;
using Conjur.EventSourced.ControlPlane.Failover.History;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Tests.Fixtures;
using static Conjur.EventSourced.Tests.Integration.Failover.FailoverMessages;

namespace Conjur.EventSourced.Tests.Integration.Failover;

/// <summary>
/// The failover saga end to end on the test harness, with the real Marten repository and a real
/// Postgres. The tests play the agents: they read the commands the saga sent and publish the answers.
/// Each test has its own cluster id, so they share the database without meeting.
/// </summary>
[Collection("failover")]
public sealed class FailoverSagaTests(FailoverPostgres postgres) : IAsyncLifetime
{
    private readonly string _cluster = "fo" + Guid.NewGuid().ToString("N")[..8];
    private SagaHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await SagaHost.StartAsync(postgres.ConnectionString, _cluster, new FixedMembers("node1", "node1", "node2", "node3", "node4"));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<SagaHost> ShortTimeoutHostAsync() =>
        SagaHost.StartAsync(postgres.ConnectionString, _cluster + "t", new FixedMembers("node1", "node1", "node2", "node3", "node4"), SagaHost.ShortStepTimeout);

    [Fact]
    public async Task LockAcquired_PromotesRebasesEachReplicaAndCompletes()
    {
        var id = FailoverIds.ForTerm(_cluster, 7);

        await _host.PublishAsync(Lock(_cluster, id, "node2", ["node3", "node4"]));

        await SagaHost.EventuallyAsync(() => _host.Sent<PromoteStandby>().Count == 1, "PromoteStandby sent");
        var promote = _host.Sent<PromoteStandby>().Single();
        promote.NodeId.ShouldBe("node2");
        promote.FormerMaster.ShouldBe("node1");
        promote.Forced.ShouldBeFalse();
        _host.SentTo<PromoteStandby>().Single().ShouldBe(AgentQueues.Name(_cluster, "node2"));
        _host.Published<FailoverStarted>().Single(s => s.FailoverId == id).Candidate.ShouldBe("node2");
        (await _host.WaitForStateAsync(id, "Promoting")).Deadline.ShouldNotBeNull();

        await _host.PublishAsync(Promoted(_cluster, id, "node2"));

        await SagaHost.EventuallyAsync(() => _host.Sent<RebaseStandby>().Count == 2, "RebaseStandby sent to both replicas");
        _host.Sent<RebaseStandby>().Select(r => r.NodeId).Order().ShouldBe(["node3", "node4"]);
        _host.Sent<RebaseStandby>().ShouldAllBe(r => r.NewMaster == "node2" && r.Timeline == 2 && r.SwitchPosition == 123_456);
        _host.SentTo<RebaseStandby>().ShouldContain(AgentQueues.Name(_cluster, "node3"));
        await _host.WaitForStateAsync(id, "Rebasing");

        await _host.PublishAsync(Rebased(_cluster, id, "node3", "node2"));
        await _host.PublishAsync(Rebased(_cluster, id, "node4", "node2"));

        var done = await _host.WaitForStateAsync(id, "Completed");
        done.NewMaster.ShouldBe("node2");
        done.Deadline.ShouldBeNull();
        await SagaHost.EventuallyAsync(() => _host.Published<FailoverCompleted>().Any(c => c.FailoverId == id), "FailoverCompleted published");
        var completed = _host.Published<FailoverCompleted>().Single(c => c.FailoverId == id);
        completed.NewMaster.ShouldBe("node2");
        completed.Kind.ShouldBe(FailoverKinds.Automatic);
        completed.Rebased.Order().ShouldBe(["node3", "node4"]);

        var steps = (await _host.StreamAsync(id)).Select(e => e.Data).ToList();
        steps.Select(e => e.GetType().Name).ShouldBe([
            nameof(FailoverInitiated), nameof(PromotionRequested), nameof(PromotionConfirmed),
            nameof(RebaseRequested), nameof(RebaseRequested), nameof(RebaseConfirmed), nameof(RebaseConfirmed), nameof(FailoverSucceeded),
        ]);
        steps.Cast<IFailoverEvent>().Select(e => e.At).ShouldBeInOrder();
    }

    [Fact]
    public async Task NoReplicas_CompletesRightAfterPromotion()
    {
        var id = Guid.NewGuid();
        await _host.PublishAsync(Lock(_cluster, id, "node2", []));
        await SagaHost.EventuallyAsync(() => _host.Sent<PromoteStandby>().Count == 1, "PromoteStandby sent");

        await _host.PublishAsync(Promoted(_cluster, id, "node2"));

        (await _host.WaitForStateAsync(id, "Completed")).Rebased.ShouldBeEmpty();
        _host.Sent<RebaseStandby>().ShouldBeEmpty();
    }

    [Fact]
    public async Task SecondLockWinner_ReplacesDeadCandidate()
    {
        var id = Guid.NewGuid();
        await _host.PublishAsync(Lock(_cluster, id, "node2", ["node3", "node4"]));
        await SagaHost.EventuallyAsync(() => _host.Sent<PromoteStandby>().Count == 1, "PromoteStandby to node2");

        // node2 died holding the lock; its lease expired and node3 won.
        await _host.PublishAsync(Lock(_cluster, id, "node3", ["node2", "node4"]));

        await SagaHost.EventuallyAsync(() => _host.Sent<PromoteStandby>().Count == 2, "PromoteStandby to node3");
        _host.Sent<PromoteStandby>().Select(p => p.NodeId).ShouldBe(["node2", "node3"]);
        var saga = await _host.WaitForAsync(id, s => s.Candidate == "node3", "candidate node3");
        saga.FormerCandidates.ShouldBe(["node2"]);

        await _host.PublishAsync(Promoted(_cluster, id, "node3"));
        await SagaHost.EventuallyAsync(() => _host.Sent<RebaseStandby>().Count == 2, "rebases");
        _host.Sent<RebaseStandby>().Select(r => r.NodeId).Order().ShouldBe(["node2", "node4"]);
        (await _host.StreamAsync(id)).Select(e => e.Data).OfType<CandidateReplaced>().Single().Node.ShouldBe("node3");
    }

    [Fact]
    public async Task PromotionFailedThenNewWinner_PromotesTheNewWinner()
    {
        var id = Guid.NewGuid();
        await _host.PublishAsync(Lock(_cluster, id, "node2", ["node3"]));
        await SagaHost.EventuallyAsync(() => _host.Sent<PromoteStandby>().Count == 1, "PromoteStandby to node2");

        await _host.PublishAsync(PromotionFailed(_cluster, id, "node2"));
        await _host.WaitForStateAsync(id, "AwaitingLock");
        await _host.PublishAsync(Lock(_cluster, id, "node3", ["node2"]));

        await SagaHost.EventuallyAsync(() => _host.Sent<PromoteStandby>().Count == 2, "PromoteStandby to node3");
        await _host.WaitForAsync(id, s => s.CurrentState == "Promoting" && s.Candidate == "node3", "promoting node3");
        await _host.PublishAsync(Promoted(_cluster, id, "node3"));
        await _host.WaitForStateAsync(id, "Rebasing");
        await _host.PublishAsync(Rebased(_cluster, id, "node2", "node3"));
        (await _host.WaitForStateAsync(id, "Completed")).NewMaster.ShouldBe("node3");
    }

    [Fact]
    public async Task PromotingTimeoutWithoutNewWinner_FailoverFailed()
    {
        await using var host = await ShortTimeoutHostAsync();
        var id = Guid.NewGuid();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await host.PublishAsync(Lock(host.Config.ClusterId, id, "node2", ["node3"]));

        var failed = await host.WaitForStateAsync(id, "Failed", TimeSpan.FromSeconds(15));

        // One promoting period for node2, one more waiting for another winner.
        clock.Elapsed.ShouldBeGreaterThanOrEqualTo(2 * SagaHost.ShortStepTimeout);
        failed.FailedStep.ShouldBe(FailoverSteps.AwaitingLock);
        failed.FailedReason.ShouldNotBeNull().ShouldContain("node2");
        await SagaHost.EventuallyAsync(() => host.Published<FailoverFailed>().Any(f => f.FailoverId == id), "FailoverFailed published");
        var types = (await host.StreamAsync(id)).Select(e => e.Data.GetType().Name).ToList();
        types.ShouldBe([nameof(FailoverInitiated), nameof(PromotionRequested), nameof(StepTimedOut), nameof(StepTimedOut), nameof(FailoverAborted)]);
    }

    [Fact]
    public async Task RebaseTimeout_CompletesWithTheSilentReplicaListedAsNotRebased()
    {
        await using var host = await ShortTimeoutHostAsync();
        var id = Guid.NewGuid();
        await host.PublishAsync(Lock(host.Config.ClusterId, id, "node2", ["node3", "node4"]));
        await host.WaitForStateAsync(id, "Promoting");
        await host.PublishAsync(Promoted(host.Config.ClusterId, id, "node2"));
        await host.WaitForStateAsync(id, "Rebasing");
        await host.PublishAsync(Rebased(host.Config.ClusterId, id, "node3", "node2"));

        var done = await host.WaitForStateAsync(id, "Completed");

        // The new master serves: a replica whose node is down does not undo that; it waits for re-enrolment.
        done.RebaseFailures.Keys.ShouldBe(["node4"]);
        done.RebaseFailures["node4"].ShouldContain("did not answer");
        done.Rebased.ShouldBe(["node3"]);
        var types = (await host.StreamAsync(id)).Select(e => e.Data.GetType().Name).ToList();
        types.ShouldContain(nameof(StepTimedOut));
        types[^1].ShouldBe(nameof(FailoverSucceeded));
    }

    [Fact]
    public async Task ReplicaRebaseFailed_CompletesWithOnlyTheRebasedListed()
    {
        var id = Guid.NewGuid();
        await _host.PublishAsync(Lock(_cluster, id, "node2", ["node3", "node4"]));
        await _host.WaitForStateAsync(id, "Promoting");
        await _host.PublishAsync(Promoted(_cluster, id, "node2"));
        await _host.WaitForStateAsync(id, "Rebasing");

        await _host.PublishAsync(RebaseFailed(_cluster, id, "node4"));
        await _host.PublishAsync(Rebased(_cluster, id, "node3", "node2"));

        var done = await _host.WaitForStateAsync(id, "Completed");
        done.RebaseFailures.Keys.ShouldBe(["node4"]);
        await SagaHost.EventuallyAsync(() => _host.Published<FailoverCompleted>().Any(c => c.FailoverId == id), "FailoverCompleted");
        _host.Published<FailoverCompleted>().Single(c => c.FailoverId == id).Rebased.ShouldBe(["node3"]);
    }

    [Fact]
    public async Task DuplicateAnswersAndStaleTimeout_ChangeNothing()
    {
        var id = Guid.NewGuid();
        await _host.PublishAsync(Lock(_cluster, id, "node2", ["node3"]));
        var promoting = await _host.WaitForStateAsync(id, "Promoting");
        await _host.PublishAsync(Promoted(_cluster, id, "node2"));
        await _host.WaitForStateAsync(id, "Rebasing");

        // A timeout of the promoting step arriving late: its attempt is no longer current.
        await _host.PublishAsync(new FailoverStepTimedOut
        {
            FailoverId = id, ClusterId = _cluster, Step = FailoverSteps.Promoting, Attempt = promoting.Attempt, Deadline = DateTimeOffset.UtcNow,
        });
        await _host.PublishAsync(Rebased(_cluster, id, "node3", "node2"));
        await _host.WaitForStateAsync(id, "Completed");
        await _host.PublishAsync(Rebased(_cluster, id, "node3", "node2"));
        await _host.PublishAsync(Promoted(_cluster, id, "node2"));
        await SagaHost.EventuallyAsync(() => _host.Harness.Consumed.Select<MasterPromoted>().Count() >= 2, "duplicates consumed");

        (await _host.LoadAsync(id))!.CurrentState.ShouldBe("Completed");
        (await _host.StreamAsync(id)).Select(e => e.Data).OfType<StepTimedOut>().ShouldBeEmpty();
        _host.Published<FailoverCompleted>().Count(c => c.FailoverId == id).ShouldBe(1);
    }

    [Fact]
    public async Task OtherClustersLock_StartsNoSaga()
    {
        var id = Guid.NewGuid();

        await _host.PublishAsync(Lock(_cluster + "x", id, "node2", ["node3"]));

        await SagaHost.EventuallyAsync(() => _host.Harness.Consumed.Select<PromotionLockAcquired>().Any(m => m.Context.Message.FailoverId == id), "lock consumed");
        (await _host.LoadAsync(id)).ShouldBeNull();
        _host.Sent<PromoteStandby>().ShouldBeEmpty();
    }

    [Fact]
    public async Task BlockedReportedTwiceByEachStandby_RecordedOncePerObserver()
    {
        var id = Guid.NewGuid();
        FailoverBlocked Blocked(string by) => new()
        {
            FailoverId = id, ClusterId = _cluster, FormerMaster = "node1", Term = 7, ObservedBy = by,
            Reason = "only one standby operational", ObservedAt = DateTimeOffset.UtcNow,
        };

        await _host.PublishAsync(Blocked("node2"));
        await _host.PublishAsync(Blocked("node2"));
        await _host.PublishAsync(Blocked("node3"));

        await SagaHost.EventuallyAsync(() => _host.Harness.Consumed.Select<FailoverBlocked>().Count() >= 3, "blocked reports consumed");
        var recorded = (await _host.ClusterStreamAsync()).Select(e => e.Data).OfType<FailoverBlockedRecorded>().ToList();
        recorded.Select(r => r.ObservedBy).Order().ShouldBe(["node2", "node3"]);
    }
}
