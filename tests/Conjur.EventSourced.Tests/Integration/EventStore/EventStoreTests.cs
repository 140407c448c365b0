using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.ControlPlane.ClusterStatus;
using Conjur.EventSourced.ControlPlane.Failover.History;
using Conjur.EventSourced.ControlPlane.Failover.Timeline;
using Conjur.EventSourced.ControlPlane.Heartbeats;
using Conjur.EventSourced.ControlPlane.NodeHistory;
using Conjur.EventSourced.ControlPlane.Projections;
using Conjur.EventSourced.ControlPlane.Replay;
using Conjur.EventSourced.ControlPlane.Retention;
using Conjur.EventSourced.ControlPlane.Storage;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.Tests.Fixtures;
using Marten;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using static Conjur.EventSourced.Tests.Unit.ClusterStatus.NodeReports;

namespace Conjur.EventSourced.Tests.Integration.EventStore;

/// <summary>
/// The ingest path, retention, the replay API and projection rebuilds against a real Postgres. Each test
/// has its own cluster id; the rebuild test replays the whole store, so the tests of this class run one
/// after the other (xUnit's default within a class).
/// </summary>
public sealed class EventStoreTests(EventStorePostgres postgres) : IClassFixture<EventStorePostgres>, IAsyncLifetime
{
    private readonly string _cluster = "es" + Guid.NewGuid().ToString("N")[..8];
    private DocumentStore _store = null!;
    private NpgsqlDataSource _database = null!;
    private ClusterConfig _config = null!;
    private NodeEventRecorder _recorder = null!;

    public Task InitializeAsync()
    {
        _store = DocumentStore.For(o =>
        {
            o.Connection(postgres.ConnectionString);
            ControlPlaneStore.Configure(o);
        });
        _database = NpgsqlDataSource.Create(postgres.ConnectionString);
        _config = DefaultTopology.Create("/tmp/conjur-es", clusterId: _cluster);
        _recorder = new NodeEventRecorder(_store, _config, NullLogger<NodeEventRecorder>.Instance, options: new IngestOptions { Writers = 4 });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _recorder.Dispose();
        await _database.DisposeAsync();
        _store.Dispose();
    }

    [Fact]
    public async Task RedeliveredAndReorderedBatchesAcrossWriters_StoreEachReportOnceAndTheSameStatus()
    {
        // 12 nodes over 4 writers; every report delivered twice, in shuffled batches, 4 batches at a time.
        var reports = Enumerable.Range(1, 12).SelectMany(n => Enumerable.Range(1, 40).SelectMany(seq => new INodeEvent[]
        {
            Heartbeat($"n{n}", seq, healthy: seq % 10 != 0, cluster: _cluster),
            Lag($"n{n}", seq, cluster: _cluster),
        })).ToList();
        var deliveries = reports.Concat(reports).OrderBy(_ => Random.Shared.Next()).Chunk(97).ToList();

        var outcomes = await Task.WhenAll(deliveries.Select(b => Task.Run(() => _recorder.RecordAsync(b, default))));

        var stored = outcomes.Sum(o => o.Appended);
        (stored + outcomes.Sum(o => o.NotNewer)).ShouldBe(reports.Count * 2);
        await using var session = _store.QuerySession();
        var events = await session.Events.QueryAllRawEvents().Where(e => e.StreamKey!.StartsWith(_cluster + "/node/")).ToListAsync();
        events.Count.ShouldBe(stored);
        events.Select(e => (INodeEvent)e.Data).GroupBy(e => (e.NodeId, e is IHeartbeatReport, e.Sequence)).ShouldAllBe(g => g.Count() == 1);
        foreach (var node in Enumerable.Range(1, 12).Select(n => $"n{n}"))
        {
            var status = (await session.LoadAsync<NodeStatus>(NodeStream.Key(_cluster, node))).ShouldNotBeNull();
            status.LastSequence.ShouldBe(40, $"{node}'s last heartbeat");
            status.LastLagSequence.ShouldBe(40, $"{node}'s last lag report");
            status.Healthy.ShouldBe(false, "sequence 40 said unhealthy");
        }

        // A restarted control plane (empty cache, seeded from the store) still leaves every redelivery out.
        using var restarted = new NodeEventRecorder(_store, _config, NullLogger<NodeEventRecorder>.Instance);
        var again = await restarted.RecordAsync(reports, default);
        again.ShouldBe(new RecordOutcome(0, reports.Count, 0));
    }

    [Fact]
    public async Task SteadyHeartbeats_StoredAsSamples_StateChangesAsChanges()
    {
        await _recorder.RecordAsync([.. Enumerable.Range(1, 10).Select(s => (INodeEvent)Heartbeat("node2", s, healthy: s < 6, cluster: _cluster))], default);

        await using var session = _store.QuerySession();
        var events = (await session.Events.FetchStreamAsync(NodeStream.Key(_cluster, "node2"))).Select(e => (IHeartbeatReport)e.Data).ToList();
        events.Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, 10).Select(i => (long)i));
        events.OfType<HeartbeatRecorded>().Select(e => e.Sequence).ShouldBe([1L, 6L], "the first heartbeat and the turn to unhealthy");
        events.OfType<HeartbeatSampled>().Count().ShouldBe(8);
        (await session.LoadAsync<NodeStatus>(NodeStream.Key(_cluster, "node2")))!.HeartbeatCount.ShouldBe(10);
    }

    [Fact]
    public async Task Retention_RemovesOnlyRawReportsPastTheWindow_AndNeverAStateChange()
    {
        var now = T0.AddDays(3);
        var old = Enumerable.Range(1, 20).Select(s => (INodeEvent)Heartbeat("node1", s, NodeRoles.Master, healthy: s != 10, at: T0.AddSeconds(s), cluster: _cluster));
        var recent = Enumerable.Range(21, 5).Select(s => (INodeEvent)Heartbeat("node1", s, NodeRoles.Master, at: now.AddHours(-2).AddSeconds(s), cluster: _cluster));
        await _recorder.RecordAsync([.. old, .. recent], default);
        var nodeKey = NodeStream.Key(_cluster, "node1");
        // Retention goes by the store's time: give each event its simulated one.
        await using (var backdate = _database.CreateCommand("update mt_events set timestamp = coalesce(data ->> 'ObservedAt', data ->> 'observedAt')::timestamptz where stream_id = @key"))
        {
            backdate.Parameters.AddWithValue("key", nodeKey);
            await backdate.ExecuteNonQueryAsync();
        }
        var retention = new HeartbeatRetention(_store, _database, _recorder, _config,
            Options.Create(new RetentionOptions { HeartbeatWindow = TimeSpan.FromHours(24) }), new FixedClock(now), NullLogger<HeartbeatRetention>.Instance);

        var outcome = await retention.ApplyAsync(default);

        outcome.NodesCompacted.ShouldBe(1);
        outcome.EventsRemoved.ShouldBe(17, "20 old heartbeats less the 3 state changes (first, unhealthy, healthy again)");
        await using var after = _store.QuerySession();
        var kept = await after.Events.FetchStreamAsync(nodeKey);
        kept.Select(e => e.Data).OfType<IHeartbeatReport>().Select(h => (h.Sequence, h is HeartbeatSampled)).ShouldBe([
            (1L, false), (10L, false), (11L, false), (21L, true), (22L, true), (23L, true), (24L, true), (25L, true),
        ], "every state change and the raw heartbeats inside the window are kept");
        var summary = kept.Select(e => e.Data).OfType<HeartbeatsCompacted>().ShouldHaveSingleItem();
        (summary.NodeId, summary.Heartbeats, summary.LagReports).ShouldBe(("node1", 17L, 0L));

        (await retention.ApplyAsync(default)).EventsRemoved.ShouldBe(0, "a second pass finds nothing more");
        await _recorder.RecordAsync([Heartbeat("node1", 26, NodeRoles.Master, at: now, cluster: _cluster)], default);
        (await after.Events.FetchStreamStateAsync(nodeKey))!.Version.ShouldBe(27, "appending goes on after the gaps");
    }

    [Fact]
    public async Task EventsApi_FiltersByStreamTypeAndTime_AndPagesWithACursor()
    {
        var at = DateTimeOffset.UtcNow;
        await _recorder.RecordAsync([.. Enumerable.Range(1, 30).SelectMany(s => new INodeEvent[]
        {
            Heartbeat("node1", s, NodeRoles.Master, cluster: _cluster), Heartbeat("node2", s, cluster: _cluster), Lag("node2", s, cluster: _cluster),
        })], default);
        await using var session = _store.QuerySession();

        var pages = new List<EventPage>();
        long? after = null;
        do
        {
            pages.Add(await PageAsync(session, stream: $"{_cluster}/node/node2", type: "heartbeat_recorded,heartbeat_sampled", limit: 7, after: after));
            after = pages[^1].Next;
        }
        while (after is not null && pages.Count < 20);

        var all = pages.SelectMany(p => p.Events).ToList();
        all.Count.ShouldBe(30);
        all.Select(e => ((IHeartbeatReport)e.Data).Sequence).ShouldBe(Enumerable.Range(1, 30).Select(i => (long)i));
        all.Select(e => e.Type).ShouldBe(["heartbeat_recorded", .. Enumerable.Repeat("heartbeat_sampled", 29)], "only the first heartbeat changed anything");
        all.ShouldAllBe(e => e.Stream == $"{_cluster}/node/node2");
        pages.Count.ShouldBe(5);
        (await PageAsync(session, stream: $"{_cluster}/node/*", type: "heartbeat_recorded,heartbeat_sampled,replication_lag_recorded,replication_lag_sampled", limit: 1000)).Events.Count.ShouldBe(90);
        (await PageAsync(session, stream: $"{_cluster}/node/*", type: "heartbeat_recorded,replication_lag_recorded", limit: 1000)).Events.Count.ShouldBe(3, "the first report of each kind of each node");
        (await PageAsync(session, stream: $"{_cluster}/node/node1", from: at.AddMinutes(-1).ToString("O"), to: at.AddMinutes(5).ToString("O"), limit: 100)).Events.Count.ShouldBe(30);
        (await PageAsync(session, stream: $"{_cluster}/node/node1", from: at.AddMinutes(5).ToString("O"), limit: 100)).Events.ShouldBeEmpty();

        (await GetEvents.HandleAsync(null, null, "yesterday", null, null, null, _config, session, default)).ShouldBeAssignableTo<IStatusCodeHttpResult>()!.StatusCode.ShouldBe(400);
        (await GetEvents.HandleAsync("othercluster/cluster", null, null, null, null, null, _config, session, default)).ShouldBeAssignableTo<IStatusCodeHttpResult>()!.StatusCode.ShouldBe(400);
        (await GetEvents.HandleAsync(null, null, null, null, 0, null, _config, session, default)).ShouldBeAssignableTo<IStatusCodeHttpResult>()!.StatusCode.ShouldBe(400);
    }

    [Fact]
    public async Task ClusterAt_ShowsTheMasterOfThatTime()
    {
        await _recorder.RecordAsync([Heartbeat("node1", 1, NodeRoles.Master, cluster: _cluster), Heartbeat("node2", 1, cluster: _cluster)], default);
        var between = await StoreNowAsync();
        await Task.Delay(50);
        await _recorder.RecordAsync([Heartbeat("node1", 2, NodeRoles.Standby, cluster: _cluster), Heartbeat("node2", 2, NodeRoles.Master, cluster: _cluster)], default);
        var later = await StoreNowAsync();
        await using var session = _store.QuerySession();

        (await ClusterAt.RebuildAsync(_config, session, between, default)).Nodes.Single(n => n.Id == "node1").Role.ShouldBe(NodeRoles.Master);
        var now = await ClusterAt.RebuildAsync(_config, session, later, default);
        now.Nodes.Single(n => n.Id == "node2").Role.ShouldBe(NodeRoles.Master);
        now.At.ShouldBe(later);
    }

    [Fact]
    public async Task Rebuild_YieldsTheSameProjectionsAsLive()
    {
        await _recorder.RecordAsync([.. Enumerable.Range(1, 50).SelectMany(s => new INodeEvent[]
        {
            Heartbeat("node1", s, NodeRoles.Master, cluster: _cluster),
            Lag("node1", s, NodeRoles.Master, replicas: [Replica("node2", s < 25 ? "sync" : "potential")], cluster: _cluster),
            Heartbeat("node2", s, healthy: s % 7 != 0, cluster: _cluster),
        })], default);
        var failover = Guid.NewGuid();
        await using (var write = _store.LightweightSession())
        {
            var at = T0;
            write.Events.Append(FailoverStream.Key(_cluster, failover),
                new FailoverInitiated(failover, "initiated", "node1", "switchover", at),
                new PromotionRequested(failover, "promoting", "node2", "promote", at.AddMilliseconds(300)),
                new PromotionConfirmed(failover, "promoting", "node2", "timeline 2", at.AddMilliseconds(900)),
                new FailoverSucceeded(failover, "completed", null, "done", at.AddMilliseconds(1500)));
            await write.SaveChangesAsync();
        }
        var live = await StatusesAsync();
        await using (var wipe = _store.LightweightSession())
        {
            wipe.DeleteWhere<NodeStatus>(s => s.ClusterId == _cluster);
            await wipe.SaveChangesAsync();
        }
        (await StatusesAsync()).ShouldBeEmpty();

        using var daemon = await _store.BuildProjectionDaemonAsync();
        var report = await ProjectionRebuild.RunAsync(daemon, null, 0, default);

        report.Projections.Select(p => p.Name).ShouldBe([NodeStatusProjection.ProjectionName, FailoverTimelineProjection.ProjectionName, NodeHistoryProjection.ProjectionName]);
        (await StatusesAsync()).ShouldBeEquivalentTo(live);
        await using var session = _store.QuerySession();
        var timeline = (await session.LoadAsync<FailoverTimeline>(FailoverStream.Key(_cluster, failover))).ShouldNotBeNull();
        timeline.Outcome.ShouldBe("completed");
        timeline.Steps.Select(s => s.DurationMs).ShouldBe([300d, 600d, 600d, null]);
        var history = (await session.LoadAsync<NodeHistory>(NodeStream.Key(_cluster, "node2"))).ShouldNotBeNull();
        history.ChangeReports.ShouldBe(15, "the first heartbeat, 7 turns to unhealthy and 7 back: the samples are not read");
        history.Changes.Count(c => c.What.StartsWith("unhealthy")).ShouldBe(7);
    }

    private async Task<IReadOnlyList<NodeStatus>> StatusesAsync()
    {
        await using var session = _store.QuerySession();
        return [.. (await session.Query<NodeStatus>().Where(s => s.ClusterId == _cluster).ToListAsync()).OrderBy(s => s.Id)];
    }

    private async Task<DateTimeOffset> StoreNowAsync()
    {
        await using var cmd = _database.CreateCommand("select now()");
        return new DateTimeOffset(DateTime.SpecifyKind((DateTime)(await cmd.ExecuteScalarAsync())!, DateTimeKind.Utc));
    }

    private async Task<EventPage> PageAsync(IQuerySession session, string? stream = null, string? type = null, string? from = null, string? to = null, int? limit = null, long? after = null) =>
        (await GetEvents.HandleAsync(stream, type, from, to, limit, after, _config, session, default)).ShouldBeOfType<Ok<EventPage>>().Value!;

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
