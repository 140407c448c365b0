using Conjur.EventSourced.ControlPlane.Heartbeats;
using Conjur.EventSourced.Hosting.Topology;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Conjur.EventSourced.ControlPlane.Retention;

/// <summary>
/// Applies the retention policy: samples (<see cref="HeartbeatSampled"/>, <see cref="ReplicationLagSampled"/>:
/// reports that changed nothing but timestamps, positions and lag) stored before <c>now - window</c> are
/// summarised, one <see cref="HeartbeatsCompacted"/> per node appended to the node's stream, then
/// deleted. Nothing else is ever a candidate: state changes are stored as other types, and the cluster
/// and failover streams hold no node reports. (Stores written before the samples had types of their own
/// marked them <c>Raw</c> on the state-change types; the filter takes those too.) The summaries are appended before the delete,
/// and the delete is bounded by the highest sequence summarised, so a crash between the two leaves the
/// raw reports in place and the next pass summarises them again (an audit may see two summaries of the
/// same reports, never none); reports stored meanwhile are not touched.
/// <para>
/// Deleting from the middle of a stream leaves gaps in its versions: reading a stream, replaying it and
/// appending to it (quick append numbers from the stream's last version) are unaffected.
/// </para>
/// </summary>
public sealed class HeartbeatRetention(
    IDocumentStore store, NpgsqlDataSource database, NodeEventRecorder recorder, ClusterConfig config,
    IOptions<RetentionOptions> options, TimeProvider clock, ILogger<HeartbeatRetention> logger)
{
    private const string RawFilter =
        "stream_id like @prefix and timestamp < @cutoff and (type in ('heartbeat_sampled', 'replication_lag_sampled') "
        + "or (type in ('heartbeat_recorded', 'replication_lag_recorded') and coalesce(data ->> 'Raw', data ->> 'raw') = 'true'))";

    public async Task<RetentionOutcome> ApplyAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var cutoff = now - options.Value.HeartbeatWindow;
        var schema = store.Options.Events.DatabaseSchemaName;

        var perNode = new List<(string Stream, long Heartbeats, long Lags, DateTimeOffset First, DateTimeOffset Last, long MaxSequence)>();
        await using (var summary = database.CreateCommand(
            $"select stream_id, count(*) filter (where type in ('heartbeat_sampled', 'heartbeat_recorded')), count(*) filter (where type in ('replication_lag_sampled', 'replication_lag_recorded')), min(timestamp), max(timestamp), max(seq_id) from {schema}.mt_events where {RawFilter} group by stream_id"))
        {
            Bind(summary, cutoff);
            summary.CommandTimeout = 600;
            await using var reader = await summary.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                perNode.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2),
                    await reader.GetFieldValueAsync<DateTimeOffset>(3, ct), await reader.GetFieldValueAsync<DateTimeOffset>(4, ct), reader.GetInt64(5)));
            }
        }
        if (perNode.Count == 0)
        {
            return new RetentionOutcome(0, 0, cutoff);
        }

        foreach (var n in perNode)
        {
            var nodeId = n.Stream[(n.Stream.LastIndexOf('/') + 1)..];
            await recorder.AppendToNodeStreamAsync(n.Stream, [new HeartbeatsCompacted(config.ClusterId, nodeId, n.Heartbeats, n.Lags, n.First, n.Last, cutoff, now)], ct);
        }

        await using var delete = database.CreateCommand($"delete from {schema}.mt_events where {RawFilter} and seq_id <= @through");
        Bind(delete, cutoff);
        delete.Parameters.AddWithValue("through", perNode.Max(n => n.MaxSequence));
        delete.CommandTimeout = 600;
        var removed = await delete.ExecuteNonQueryAsync(ct);
        logger.LogInformation("Retention: removed {Events} raw reports of {Nodes} nodes stored before {Cutoff:u}", removed, perNode.Count, cutoff);
        return new RetentionOutcome(perNode.Count, removed, cutoff);
    }

    private void Bind(NpgsqlCommand command, DateTimeOffset cutoff)
    {
        command.Parameters.AddWithValue("prefix", config.ClusterId + "/node/%");
        command.Parameters.AddWithValue("cutoff", cutoff);
    }
}
