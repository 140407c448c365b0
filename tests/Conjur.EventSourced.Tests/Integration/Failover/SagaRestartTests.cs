using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.ControlPlane.Storage;
using Marten;
using Conjur.EventSourced.Tests.Fixtures;
using static Conjur.EventSourced.Tests.Integration.Failover.FailoverMessages;

namespace Conjur.EventSourced.Tests.Integration.Failover;

/// <summary>A control plane stopped mid-failover: the saga lives in Marten, so a fresh instance finishes it.</summary>
[Collection("failover")]
public sealed class SagaRestartTests(FailoverPostgres postgres)
{
    private readonly string _cluster = "rs" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task SagaPersistedMidway_FinishedByFreshInstance()
    {
        var members = new FixedMembers("node1", "node1", "node2", "node3", "node4");
        var id = Guid.NewGuid();
        await using (var first = await SagaHost.StartAsync(postgres.ConnectionString, _cluster, members, TimeSpan.FromSeconds(30)))
        {
            await first.PublishAsync(Lock(_cluster, id, "node2", ["node3", "node4"]));
            await first.WaitForStateAsync(id, "Promoting");
            await first.PublishAsync(Promoted(_cluster, id, "node2"));
            await first.WaitForStateAsync(id, "Rebasing");
            await SagaHost.EventuallyAsync(() => first.Sent<RebaseStandby>().Count == 2, "rebases sent by the first instance");
            await first.PublishAsync(Rebased(_cluster, id, "node3", "node2"));
            await first.WaitForAsync(id, s => s.Rebased.Contains("node3"), "node3 rebased");
        }

        await using var second = await SagaHost.StartAsync(postgres.ConnectionString, _cluster, members, TimeSpan.FromSeconds(30));
        await second.PublishAsync(Rebased(_cluster, id, "node4", "node2"));

        var done = await second.WaitForStateAsync(id, "Completed");
        done.Rebased.Order().ShouldBe(["node3", "node4"]);
        await SagaHost.EventuallyAsync(() => second.Published<FailoverCompleted>().Any(c => c.FailoverId == id), "FailoverCompleted from the second instance");
        (await second.StreamAsync(id)).Count.ShouldBe(8);
    }

    [Fact]
    public async Task DeadlinePassedWhileDown_TimeoutFoundByFreshInstance()
    {
        var members = new FixedMembers("node1", "node1", "node2", "node3");
        var id = Guid.NewGuid();
        var step = TimeSpan.FromMilliseconds(500);
        await using (var first = await SagaHost.StartAsync(postgres.ConnectionString, _cluster, members, TimeSpan.FromSeconds(30)))
        {
            await first.PublishAsync(Lock(_cluster, id, "node2", ["node3"]));
            await first.WaitForStateAsync(id, "Promoting");
            await first.PublishAsync(Promoted(_cluster, id, "node2"));
            await first.WaitForStateAsync(id, "Rebasing");
        }
        // The deadline was stored with the first instance's 30 s; move it into the past as if the control plane had been down that long.
        using (var store = DocumentStore.For(o => { o.Connection(postgres.ConnectionString); ControlPlaneStore.Configure(o); }))
        await using (var session = store.LightweightSession())
        {
            var saga = (await session.LoadAsync<ControlPlane.Failover.FailoverState>(id))!;
            saga.Deadline = DateTimeOffset.UtcNow.AddSeconds(-1);
            session.Update(saga);
            await session.SaveChangesAsync();
        }

        await using var second = await SagaHost.StartAsync(postgres.ConnectionString, _cluster, members, step);

        // The rebase step's deadline is found by the fresh instance: the silent replica is listed as not rebased.
        var done = await second.WaitForStateAsync(id, "Completed");
        done.RebaseFailures.Keys.ShouldBe(["node3"]);
    }
}
