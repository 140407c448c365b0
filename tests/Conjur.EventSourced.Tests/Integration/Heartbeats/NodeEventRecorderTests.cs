using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.ControlPlane.ClusterStatus;
using Conjur.EventSourced.ControlPlane.Heartbeats;
using Conjur.EventSourced.ControlPlane.Storage;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.Tests.Fixtures;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using static Conjur.EventSourced.Tests.Unit.ClusterStatus.NodeReports;

namespace Conjur.EventSourced.Tests.Integration.Heartbeats;

/// <summary>The recorder and the inline projection against a real Postgres; each test has its own cluster id.</summary>
public sealed partial class NodeEventRecorderTests(ControlPlanePostgres postgres) : IClassFixture<ControlPlanePostgres>, IAsyncLifetime
{
    private readonly string _cluster = "it" + Guid.NewGuid().ToString("N")[..8];
    private DocumentStore _store = null!;
    private NodeEventRecorder _recorder = null!;

    public Task InitializeAsync()
    {
        _store = DocumentStore.For(o =>
        {
            o.Connection(postgres.ConnectionString);
            ControlPlaneStore.Configure(o);
        });
        _recorder = new NodeEventRecorder(_store, DefaultTopology.Create("/tmp/conjur-it", clusterId: _cluster), NullLogger<NodeEventRecorder>.Instance);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _recorder.Dispose();
        _store.Dispose();
        return Task.CompletedTask;
    }

    private async Task<NodeStatus?> StatusAsync(string node)
    {
        await using var session = _store.QuerySession();
        return await session.LoadAsync<NodeStatus>(NodeStream.Key(_cluster, node));
    }

    private async Task<long> StreamLengthAsync(string node)
    {
        await using var session = _store.QuerySession();
        return (await session.Events.FetchStreamStateAsync(NodeStream.Key(_cluster, node)))?.Version ?? 0;
    }

    [Fact]
    public async Task HeartbeatsRecorded_AppendedAndProjectedInline()
    {
        var outcome = await _recorder.RecordAsync([Heartbeat("node2", 1, cluster: _cluster), Heartbeat("node2", 2, cluster: _cluster)], default);

        outcome.ShouldBe(new RecordOutcome(2, 0, 0));
        (await StreamLengthAsync("node2")).ShouldBe(2);
        var status = (await StatusAsync("node2")).ShouldNotBeNull();
        status.LastSequence.ShouldBe(2);
        status.HeartbeatCount.ShouldBe(2);
        status.LastHeartbeatAt.ShouldBe(T0.AddSeconds(2));
    }

    [Fact]
    public async Task DuplicatesAndLateReports_NotAppendedAndStatusUnchanged()
    {
        await _recorder.RecordAsync([Heartbeat("node2", 1, cluster: _cluster), Heartbeat("node2", 3, cluster: _cluster)], default);
        var before = await StatusAsync("node2");

        var outcome = await _recorder.RecordAsync(
            [Heartbeat("node2", 3, healthy: false, cluster: _cluster), Heartbeat("node2", 2, healthy: false, cluster: _cluster)], default);

        outcome.ShouldBe(new RecordOutcome(0, 2, 0));
        (await StreamLengthAsync("node2")).ShouldBe(2);
        (await StatusAsync("node2")).ShouldBeEquivalentTo(before);
    }

    [Fact]
    public async Task ReorderedWithinBatch_AllAppendedInSequenceOrder()
    {
        await _recorder.RecordAsync([Heartbeat("node3", 3, cluster: _cluster), Heartbeat("node3", 1, cluster: _cluster), Heartbeat("node3", 2, cluster: _cluster)], default);

        await using var session = _store.QuerySession();
        var events = await session.Events.FetchStreamAsync(NodeStream.Key(_cluster, "node3"));
        events.Select(e => ((IHeartbeatReport)e.Data).Sequence).ShouldBe([1L, 2L, 3L]);
    }

    [Fact]
    public async Task OtherClustersReports_NotRecorded()
    {
        var outcome = await _recorder.RecordAsync([Heartbeat("node1", 1, cluster: _cluster + "x")], default);

        outcome.ShouldBe(new RecordOutcome(0, 0, 1));
    }

    [Fact]
    public async Task ConcurrentBatchesOnSameStreams_NoVersionClashAndStatusMatchesStream()
    {
        // Heartbeats and lag reports of the same nodes from the two consumers at once: the 23505 case.
        // Batches finish in any order, so a later-running batch of lower sequences is rightly left out.
        var batches = Enumerable.Range(0, 8).Select(b => (IReadOnlyCollection<INodeEvent>)
        [
            .. Enumerable.Range(1, 50).SelectMany(i => new INodeEvent[]
            {
                b % 2 == 0 ? Heartbeat("node1", (b * 50) + i, NodeRoles.Master, cluster: _cluster) : Lag("node1", (b * 50) + i, NodeRoles.Master, cluster: _cluster),
                b % 2 == 0 ? Heartbeat("node2", (b * 50) + i, cluster: _cluster) : Lag("node2", (b * 50) + i, cluster: _cluster),
            }),
        ]).ToList();

        var outcomes = await Task.WhenAll(batches.Select(b => Task.Run(() => _recorder.RecordAsync(b, default))));

        outcomes.Sum(o => o.Appended + o.NotNewer).ShouldBe(800);
        ((await StreamLengthAsync("node1")) + (await StreamLengthAsync("node2"))).ShouldBe(outcomes.Sum(o => o.Appended));
        var node1 = (await StatusAsync("node1")).ShouldNotBeNull();
        node1.LastSequence.ShouldBe(350);
        node1.LastLagSequence.ShouldBe(400);
    }

    [Fact]
    public async Task MasterAndStandbysRecorded_ClusterViewComposesSync()
    {
        await _recorder.RecordAsync(
        [
            Heartbeat("node1", 10, NodeRoles.Master, cluster: _cluster),
            Lag("node1", 10, NodeRoles.Master, replicas: [Replica("node2", "sync"), Replica("node3", "potential")], cluster: _cluster),
            Heartbeat("node2", 10, cluster: _cluster),
            Heartbeat("node3", 10, cluster: _cluster),
        ], default);

        await using var session = _store.QuerySession();
        var config = DefaultTopology.Create("/tmp/conjur-it", clusterId: _cluster);
        var view = await GetCluster.HandleAsync(config, session, new FixedClock(T0.AddSeconds(10.2)), default);

        view.Master.ShouldBe("node1");
        view.Nodes.Single(n => n.Id == "node2").Sync.ShouldBe(true);
        view.Nodes.Single(n => n.Id == "node3").Sync.ShouldBe(false);
        view.Nodes.Single(n => n.Id == "node4").Problem.ShouldBe("no heartbeat received");
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
