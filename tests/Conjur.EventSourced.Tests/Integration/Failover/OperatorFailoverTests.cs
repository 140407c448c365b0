using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.ControlPlane.Failover;
using Conjur.EventSourced.ControlPlane.Failover.History;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Tests.Fixtures;
using static Conjur.EventSourced.Tests.Integration.Failover.FailoverMessages;

namespace Conjur.EventSourced.Tests.Integration.Failover;

/// <summary>Switchover and forced promotion: the operator's two ways into the saga.</summary>
[Collection("failover")]
public sealed class OperatorFailoverTests(FailoverPostgres postgres) : IAsyncLifetime
{
    private readonly string _cluster = "op" + Guid.NewGuid().ToString("N")[..8];
    private SagaHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await SagaHost.StartAsync(postgres.ConnectionString, _cluster, new FixedMembers("node1", "node1", "node2", "node3", "node4"));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Switchover_StepsDownPromotesRebasesAndReenrollsFormerMaster()
    {
        var id = Guid.NewGuid();
        await _host.PublishAsync(new SwitchoverRequested
        {
            FailoverId = id, ClusterId = _cluster, Target = "node3", RequestedBy = "test", RequestedAt = DateTimeOffset.UtcNow,
        });

        await SagaHost.EventuallyAsync(() => _host.Sent<StepDown>().Count == 1, "StepDown sent");
        var stepDown = _host.Sent<StepDown>().Single();
        (stepDown.NodeId, stepDown.Target).ShouldBe(("node1", "node3"));
        _host.SentTo<StepDown>().Single().ShouldBe(AgentQueues.Name(_cluster, "node1"));
        await _host.WaitForStateAsync(id, "SteppingDown");

        await _host.PublishAsync(new MasterSteppedDown { FailoverId = id, ClusterId = _cluster, NodeId = "node1", Position = 99, SteppedDownAt = DateTimeOffset.UtcNow });
        await _host.WaitForStateAsync(id, "AwaitingLock");
        await _host.PublishAsync(Lock(_cluster, id, "node3", ["node2", "node4"], FailoverKinds.Switchover));
        await SagaHost.EventuallyAsync(() => _host.Sent<PromoteStandby>().Count == 1, "PromoteStandby sent");
        _host.Sent<PromoteStandby>().Single().NodeId.ShouldBe("node3");

        await _host.PublishAsync(Promoted(_cluster, id, "node3"));
        await SagaHost.EventuallyAsync(() => _host.Sent<RebaseStandby>().Count == 2, "RebaseStandby sent");
        await _host.PublishAsync(Rebased(_cluster, id, "node2", "node3"));
        await _host.PublishAsync(Rebased(_cluster, id, "node4", "node3"));

        await SagaHost.EventuallyAsync(() => _host.Sent<ReenrollNode>().Count == 1, "ReenrollNode sent to the former master");
        var reenroll = _host.Sent<ReenrollNode>().Single();
        (reenroll.NodeId, reenroll.RequestId).ShouldBe(("node1", id));
        (await _host.LoadAsync(id))!.CurrentState.ShouldBe("Reenrolling");
        _host.Published<FailoverCompleted>().ShouldNotContain(c => c.FailoverId == id);

        await _host.PublishAsync(new NodeReenrolled
        {
            RequestId = id, ClusterId = _cluster, NodeId = "node1", Master = "node3", Method = RebaseMethods.Rewound, ReenrolledAt = DateTimeOffset.UtcNow,
        });

        var done = await _host.WaitForStateAsync(id, "Completed");
        done.Kind.ShouldBe(FailoverKinds.Switchover);
        done.FormerMaster.ShouldBe("node1");
        await SagaHost.EventuallyAsync(() => _host.Published<FailoverCompleted>().Any(c => c.FailoverId == id), "FailoverCompleted");
        _host.Published<FailoverCompleted>().Single(c => c.FailoverId == id).Rebased.Order().ShouldBe(["node1", "node2", "node4"]);
        (await _host.StreamAsync(id)).Select(e => e.Data.GetType().Name).ShouldBe([
            nameof(FailoverInitiated), nameof(StepDownRequested), nameof(StepDownConfirmed), nameof(PromotionRequested), nameof(PromotionConfirmed),
            nameof(RebaseRequested), nameof(RebaseRequested), nameof(RebaseConfirmed), nameof(RebaseConfirmed),
            nameof(ReenrollRequested), nameof(ReenrollConfirmed), nameof(FailoverSucceeded),
        ]);
    }

    [Fact]
    public async Task Switchover_WhileTheViewBrieflyHasNoHealthyMaster_AsksTheLastKnownMasterToStepDown()
    {
        // A master heartbeat a little late on a loaded machine: the API saw a healthy master, the saga a moment later none.
        var cluster = _cluster + "v";
        await using var host = await SagaHost.StartAsync(postgres.ConnectionString, cluster,
            new FixedMembers(null, "node1", "node2", "node3", "node4") { LastKnown = "node1" });
        var id = Guid.NewGuid();

        await host.PublishAsync(new SwitchoverRequested
        {
            FailoverId = id, ClusterId = cluster, Target = "node3", RequestedBy = "test", RequestedAt = DateTimeOffset.UtcNow,
        });

        await SagaHost.EventuallyAsync(() => host.Sent<StepDown>().Count == 1, "StepDown sent to the last known master");
        host.Sent<StepDown>().Single().NodeId.ShouldBe("node1");
        (await host.WaitForStateAsync(id, "SteppingDown")).FormerMaster.ShouldBe("node1");
    }

    [Fact]
    public async Task SwitchoverToTheMaster_FailsAtOnce()
    {
        var id = Guid.NewGuid();
        await _host.PublishAsync(new SwitchoverRequested
        {
            FailoverId = id, ClusterId = _cluster, Target = "node1", RequestedBy = "test", RequestedAt = DateTimeOffset.UtcNow,
        });

        var failed = await _host.WaitForStateAsync(id, "Failed");
        failed.FailedReason.ShouldBe("node1 is already the master");
        _host.Sent<StepDown>().ShouldBeEmpty();
    }

    [Fact]
    public async Task ForcedPromotion_PromotesWithForceAndRebasesOtherMembers()
    {
        var id = Guid.NewGuid();
        await _host.PublishAsync(new ForcedPromotionRequested
        {
            FailoverId = id, ClusterId = _cluster, NodeId = "node4", RequestedBy = "test", RequestedAt = DateTimeOffset.UtcNow,
        });

        await SagaHost.EventuallyAsync(() => _host.Sent<PromoteStandby>().Count == 1, "PromoteStandby sent");
        var promote = _host.Sent<PromoteStandby>().Single();
        (promote.NodeId, promote.Forced, promote.FormerMaster).ShouldBe(("node4", true, "node1"));
        _host.Published<FailoverStarted>().Single(s => s.FailoverId == id).Kind.ShouldBe(FailoverKinds.Forced);

        await _host.PublishAsync(Promoted(_cluster, id, "node4"));
        await SagaHost.EventuallyAsync(() => _host.Sent<RebaseStandby>().Count == 2, "RebaseStandby sent");
        _host.Sent<RebaseStandby>().Select(r => r.NodeId).Order().ShouldBe(["node2", "node3"]);
        await _host.PublishAsync(Rebased(_cluster, id, "node2", "node4"));
        await _host.PublishAsync(Rebased(_cluster, id, "node3", "node4"));

        (await _host.WaitForStateAsync(id, "Completed")).NewMaster.ShouldBe("node4");
    }

    [Fact]
    public async Task ForcedPromotionRefused_FailoverFailed()
    {
        var id = Guid.NewGuid();
        await _host.PublishAsync(new ForcedPromotionRequested
        {
            FailoverId = id, ClusterId = _cluster, NodeId = "node4", RequestedBy = "test", RequestedAt = DateTimeOffset.UtcNow,
        });
        await _host.WaitForStateAsync(id, "Promoting");

        await _host.PublishAsync(PromotionFailed(_cluster, id, "node4"));

        var failed = await _host.WaitForStateAsync(id, "Failed");
        failed.FailedStep.ShouldBe(FailoverSteps.Promoting);
        await SagaHost.EventuallyAsync(() => _host.Published<FailoverFailed>().Any(f => f.FailoverId == id), "FailoverFailed");
    }
}
