using System.Diagnostics;
using Conjur.EventSourced.ControlPlane.ClusterStatus;
using Conjur.EventSourced.Hosting.Topology;
using Marten;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>
/// Appends node reports to their node streams.
/// <para>
/// Duplicates (a redelivery: same agent instance and sequence) and late reports (a lower sequence than
/// the last stored for that instance) are not appended: each observation is stored once and in order,
/// so replay, the event view and the heartbeat count are not skewed by broker redeliveries. Within a
/// batch, reports are sorted first, so reordering inside one batch loses nothing. The projection
/// applies the same rule, so the state stays right even if a duplicate is ever stored.
/// </para>
/// <para>
/// Scale: node streams are split into <see cref="IngestOptions.Writers"/> partitions by a stable hash of
/// the node's key, each with its own gate, its own transaction per batch and an in-memory copy of the
/// last status of its nodes (loaded from the store the first time a node is seen, refreshed from the
/// projection's own evolve step after each commit, dropped on a failed commit). So the duplicate check
/// reads nothing from Postgres in the steady state, and the partitions append in parallel. Quick append
/// computes versions in the database, and two concurrent transactions on the same stream collide on
/// <c>pk_mt_events_stream_and_version</c> (23505) however often they retry: a node's streams belong to
/// exactly one partition, which is what makes the parallelism safe. The heartbeat and lag consumers share
/// the partitions, as they write to the same node streams. The gates hold within one control-plane process.
/// </para>
/// <para>
/// Every report of a node goes to the node's one stream, in order; a report that changes nothing (see
/// <see cref="NodeReportClassifier"/>) is stored as a sample, and retention removes samples past the window. One stream per node keeps the projections' order exact: Marten applies the events
/// of a projection slice stream by stream, so a node split over two streams would be folded out of order.
/// </para>
/// </summary>
public sealed class NodeEventRecorder : IDisposable
{
    private readonly IDocumentStore _store;
    private readonly ClusterConfig _config;
    private readonly ILogger<NodeEventRecorder> _logger;
    private readonly IngestMetrics _metrics;
    private readonly bool _ownsMetrics;
    private readonly TimeProvider _clock;
    private readonly Partition[] _partitions;

    public NodeEventRecorder(IDocumentStore store, ClusterConfig config, ILogger<NodeEventRecorder> logger,
        IngestMetrics? metrics = null, TimeProvider? clock = null, IngestOptions? options = null)
    {
        _store = store;
        _config = config;
        _logger = logger;
        _ownsMetrics = metrics is null;
        _metrics = metrics ?? new IngestMetrics();
        _clock = clock ?? TimeProvider.System;
        var writers = Math.Clamp((options ?? new IngestOptions()).Writers, 1, 64);
        _partitions = [.. Enumerable.Range(0, writers).Select(_ => new Partition())];
    }

    public int Writers => _partitions.Length;

    public async Task<RecordOutcome> RecordAsync(IReadOnlyCollection<INodeEvent> reports, CancellationToken ct)
    {
        _metrics.Ingested(reports.Count);
        var ours = reports.Where(r => r.ClusterId == _config.ClusterId).ToList();
        var otherCluster = reports.Count - ours.Count;
        if (ours.Count == 0)
        {
            return new RecordOutcome(0, 0, otherCluster);
        }

        var work = ours
            .GroupBy(r => NodeStream.Key(r.ClusterId, r.NodeId))
            .GroupBy(g => PartitionOf(g.Key))
            .Select(p => RecordPartitionAsync(_partitions[p.Key], [.. p], ct));
        var appended = (await Task.WhenAll(work)).Sum();

        var outcome = new RecordOutcome(appended, ours.Count - appended, otherCluster);
        _metrics.Dropped(outcome.NotNewer);
        if (outcome.NotNewer > 0 || outcome.OtherCluster > 0)
        {
            _logger.LogDebug("Recorded {Appended} node reports; left out {NotNewer} not newer than stored and {OtherCluster} of other clusters",
                outcome.Appended, outcome.NotNewer, outcome.OtherCluster);
        }
        return outcome;
    }

    /// <summary>Appends to a node's permanent stream under its partition's gate (for retention's summaries).</summary>
    public async Task AppendToNodeStreamAsync(string nodeKey, IReadOnlyList<object> events, CancellationToken ct)
    {
        var partition = _partitions[PartitionOf(nodeKey)];
        await partition.Gate.WaitAsync(ct);
        try
        {
            await using var session = _store.LightweightSession();
            session.Events.Append(nodeKey, events);
            await session.SaveChangesAsync(ct);
        }
        finally
        {
            partition.Gate.Release();
        }
    }

    /// <summary>Forgets every cached status: the next report of each node reads the store again (after a rebuild).</summary>
    public async Task ForgetCachedStatusAsync(CancellationToken ct)
    {
        foreach (var p in _partitions)
        {
            await p.Gate.WaitAsync(ct);
            try
            {
                p.Statuses.Clear();
            }
            finally
            {
                p.Gate.Release();
            }
        }
    }

    private async Task<int> RecordPartitionAsync(Partition partition, IReadOnlyList<IGrouping<string, INodeEvent>> streams, CancellationToken ct)
    {
        await partition.Gate.WaitAsync(ct);
        try
        {
            var clock = Stopwatch.StartNew();
            var missing = streams.Select(s => s.Key).Where(k => !partition.Statuses.ContainsKey(k)).ToArray();
            await using var session = _store.LightweightSession();
            if (missing.Length > 0)
            {
                foreach (var status in await session.LoadManyAsync<NodeStatus>(ct, missing))
                {
                    partition.Statuses[status.Id] = status;
                }
            }

            var next = new Dictionary<string, NodeStatus>();
            var fresh = new List<INodeEvent>();
            foreach (var stream in streams)
            {
                var status = partition.Statuses.GetValueOrDefault(stream.Key);
                foreach (var report in stream.OrderBy(r => r.ObservedAt).ThenBy(r => r.Sequence))
                {
                    if (!NodeEventOrder.IsNew(status, report))
                    {
                        continue;
                    }
                    session.Events.Append(stream.Key, NodeReportClassifier.IsStateChange(status, report) ? report : report.AsSample());
                    status = NodeStatusProjection.Evolve(status, report);
                    fresh.Add(report);
                }
                if (status is not null)
                {
                    next[stream.Key] = status;
                }
            }
            if (fresh.Count == 0)
            {
                return 0;
            }

            try
            {
                await session.SaveChangesAsync(ct);
            }
            catch
            {
                // The store may hold more or less than we think (a second writer, a failed commit): read it again next time.
                foreach (var stream in streams)
                {
                    partition.Statuses.Remove(stream.Key);
                }
                throw;
            }
            foreach (var (key, status) in next)
            {
                partition.Statuses[key] = status;
            }
            _metrics.Committed(fresh, _clock.GetUtcNow(), clock.Elapsed);
            return fresh.Count;
        }
        finally
        {
            partition.Gate.Release();
        }
    }

    /// <summary>FNV-1a: stable across processes and runs, unlike string.GetHashCode.</summary>
    private int PartitionOf(string nodeKey)
    {
        var hash = 2166136261u;
        foreach (var c in nodeKey)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return (int)(hash % (uint)_partitions.Length);
    }

    public void Dispose()
    {
        foreach (var p in _partitions)
        {
            p.Gate.Dispose();
        }
        if (_ownsMetrics)
        {
            _metrics.Dispose();
        }
    }

    private sealed class Partition
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public Dictionary<string, NodeStatus> Statuses { get; } = new(StringComparer.Ordinal);
    }
}
