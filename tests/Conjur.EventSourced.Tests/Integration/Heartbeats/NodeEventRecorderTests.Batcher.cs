using Conjur.EventSourced.ControlPlane.Heartbeats;
using Conjur.EventSourced.ControlPlane.Storage;
using Conjur.EventSourced.Hosting.Topology;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using static Conjur.EventSourced.Tests.Unit.ClusterStatus.NodeReports;

namespace Conjur.EventSourced.Tests.Integration.Heartbeats;

/// <summary>The batcher in front of the recorder (what the heartbeat and lag consumers hand their reports to), on the same real Postgres.</summary>
public sealed partial class NodeEventRecorderTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ReportsOfManyConsumes_RecordedInBatches_EachCompletedAfterItsBatchInArrivalOrder()
    {
        using var batcher = new NodeReportBatcher(_recorder, NullLogger<NodeReportBatcher>.Instance);
        await batcher.StartAsync(default);
        var completed = new List<int>();
        var consumes = new List<Task>();
        // 2,500 reports (more than two batches) from 50 nodes, interleaved as agents' reports arrive.
        for (var i = 0; i < 2500; i++)
        {
            var index = i;
            consumes.Add(batcher.AddAsync(Heartbeat($"node{i % 50}", i / 50 + 1, cluster: _cluster), "heartbeat")
                .ContinueWith(t =>
                {
                    t.GetAwaiter().GetResult();
                    lock (completed)
                    {
                        completed.Add(index);
                    }
                }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
        }

        await Task.WhenAll(consumes).WaitAsync(Bound);
        await batcher.StopAsync(default);

        // In arrival order: MassTransit acknowledges each message as its consume completes, and RabbitMQ
        // pays for acknowledgements out of delivery order.
        completed.ShouldBe(Enumerable.Range(0, 2500));
        for (var n = 0; n < 50; n += 7)
        {
            (await StreamLengthAsync($"node{n}")).ShouldBe(50, $"node{n}");
        }
        (await StatusAsync("node49")).ShouldNotBeNull().LastSequence.ShouldBe(50);
    }

    [Fact]
    public async Task RecordingFails_EveryReportOfTheBatchFails_SoItsMessageIsRetried()
    {
        // A store whose Postgres is not there (nothing listens on 127.0.0.1:1).
        using var store = DocumentStore.For(o =>
        {
            o.Connection("Host=127.0.0.1;Port=1;Username=x;Password=x;Database=x;Timeout=2");
            ControlPlaneStore.Configure(o);
        });
        using var recorder = new NodeEventRecorder(store, DefaultTopology.Create("/tmp/conjur-it", clusterId: _cluster), NullLogger<NodeEventRecorder>.Instance);
        using var batcher = new NodeReportBatcher(recorder, NullLogger<NodeReportBatcher>.Instance);
        await batcher.StartAsync(default);

        var consumes = Enumerable.Range(1, 3).Select(seq => batcher.AddAsync(Heartbeat("node2", seq, cluster: _cluster), "heartbeat")).ToArray();

        var failures = new List<Exception>();
        foreach (var consume in consumes)
        {
            failures.Add(await Should.ThrowAsync<Exception>(consume.WaitAsync(Bound)));
        }
        await batcher.StopAsync(default);

        // One batch, one failure (a bound that ran out would give each its own TimeoutException), and not the stop's.
        failures.Distinct().ShouldHaveSingleItem().ShouldNotBeAssignableTo<TimeoutException>();
        failures[0].ShouldNotBeAssignableTo<OperationCanceledException>();
        (await StreamLengthAsync("node2")).ShouldBe(0);
    }

    [Fact]
    public async Task Stopped_ReportsFailAtOnce_InsteadOfWaitingForABatchThatNeverComes()
    {
        using var batcher = new NodeReportBatcher(_recorder, NullLogger<NodeReportBatcher>.Instance);
        await batcher.StartAsync(default);
        await batcher.StopAsync(default);

        var late = batcher.AddAsync(Heartbeat("node2", 1, cluster: _cluster), "heartbeat");

        (await Should.ThrowAsync<InvalidOperationException>(late.WaitAsync(Bound))).Message.ShouldContain("stopping");
        (await StreamLengthAsync("node2")).ShouldBe(0);
    }
}
