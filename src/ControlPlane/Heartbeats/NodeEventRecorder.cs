using Conjur.EventSourced.ControlPlane.ClusterStatus;
using Conjur.EventSourced.Hosting.Topology;
using Marten;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>
/// Appends node reports to their node streams, one batch per transaction.
/// <para>
/// Duplicates (a redelivery: same agent instance and sequence) and late reports (a lower sequence than
/// the last stored for that instance) are not appended: a node stream holds each observation once and
/// in order, so replay, the event view and the heartbeat count are not skewed by broker redeliveries.
/// Within a batch, reports are sorted first, so reordering inside one batch loses nothing. The
/// projection applies the same rule, so the state stays right even if a duplicate is ever stored.
/// </para>
/// <para>
/// Writes go through one gate: quick append computes versions in the database, and two concurrent
/// transactions on the same stream collide on <c>pk_mt_events_stream_and_version</c> (23505) however
/// often they retry. The heartbeat and lag consumers write to the same node streams, so per-consumer
/// concurrency limits alone would not be enough. The gate also makes the read of the current status
/// (to filter) and the append one consistent step. It holds within one control-plane process only.
/// </para>
/// </summary>
public sealed class NodeEventRecorder(IDocumentStore store, ClusterConfig config, ILogger<NodeEventRecorder> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<RecordOutcome> RecordAsync(IReadOnlyCollection<INodeEvent> reports, CancellationToken ct)
    {
        var ours = reports.Where(r => r.ClusterId == config.ClusterId).ToList();
        var otherCluster = reports.Count - ours.Count;
        if (ours.Count == 0)
        {
            return new RecordOutcome(0, 0, otherCluster);
        }

        await _gate.WaitAsync(ct);
        try
        {
            await using var session = store.LightweightSession();
            var streams = ours.GroupBy(r => NodeStream.Key(r.ClusterId, r.NodeId)).ToList();
            var stored = (await session.LoadManyAsync<NodeStatus>(ct, streams.Select(s => s.Key).ToArray()))
                .ToDictionary(s => s.Id);

            var appended = 0;
            foreach (var stream in streams)
            {
                var status = stored.GetValueOrDefault(stream.Key);
                var fresh = new List<object>();
                foreach (var report in stream.OrderBy(r => r.ObservedAt).ThenBy(r => r.Sequence))
                {
                    if (NodeEventOrder.IsNew(status, report))
                    {
                        status = NodeStatusProjection.Evolve(status, report);
                        fresh.Add(report);
                    }
                }
                if (fresh.Count > 0)
                {
                    session.Events.Append(stream.Key, fresh);
                    appended += fresh.Count;
                }
            }
            if (appended > 0)
            {
                await session.SaveChangesAsync(ct);
            }

            var outcome = new RecordOutcome(appended, ours.Count - appended, otherCluster);
            if (outcome.NotNewer > 0 || outcome.OtherCluster > 0)
            {
                logger.LogDebug("Recorded {Appended} node reports; left out {NotNewer} not newer than stored and {OtherCluster} of other clusters",
                    outcome.Appended, outcome.NotNewer, outcome.OtherCluster);
            }
            return outcome;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
