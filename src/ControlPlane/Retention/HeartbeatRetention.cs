using Conjur.EventSourced.ControlPlane.Heartbeats;
using Conjur.EventSourced.Hosting.Topology;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Conjur.EventSourced.ControlPlane.Retention;

/// <summary>
/// Applies the retention policy: a node's heartbeat day stream (<c>{cluster}/node/{id}/heartbeats/{yyyyMMdd}</c>)
/// whose whole day lies further in the past than the window is summarised into one
/// <see cref="HeartbeatsCompacted"/> in the node's permanent stream, then deleted (Marten's tombstone:
/// the stream row and its events). Only heartbeat streams are ever touched: every state change lives in
/// the permanent node stream, and the cluster and failover streams are never candidates. The summary is
/// appended before the delete, so a crash between the two leaves the raw events in place and the next
/// pass summarises the day again (an audit may then see two summaries of one day, never none).
/// </summary>
public sealed class HeartbeatRetention(
    IDocumentStore store, NpgsqlDataSource database, NodeEventRecorder recorder, ClusterConfig config,
    IOptions<RetentionOptions> options, TimeProvider clock, ILogger<HeartbeatRetention> logger)
{
    public async Task<RetentionOutcome> ApplyAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow() - options.Value.HeartbeatWindow;
        var schema = store.Options.Events.DatabaseSchemaName;
        var due = new List<(string Key, string NodeKey, DateOnly Day)>();
        await using (var list = database.CreateCommand($"select id from {schema}.mt_streams where id like @prefix"))
        {
            list.Parameters.AddWithValue("prefix", config.ClusterId + "/node/%" + NodeStream.HeartbeatsSegment + "%");
            await using var reader = await list.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var key = reader.GetString(0);
                if (NodeStream.ParseHeartbeatsKey(key) is { } parsed && IsPastWindow(parsed.Day, cutoff))
                {
                    due.Add((key, parsed.NodeKey, parsed.Day));
                }
            }
        }

        long removed = 0;
        foreach (var (key, nodeKey, day) in due.OrderBy(d => d.Day))
        {
            var summary = await SummariseAsync(schema, key, nodeKey, day, ct);
            await recorder.AppendToNodeStreamAsync(nodeKey, [summary], ct);
            await using var session = store.LightweightSession();
            session.Events.TombstoneStream(key);
            await session.SaveChangesAsync(ct);
            removed += summary.Heartbeats + summary.LagReports;
        }
        if (due.Count > 0)
        {
            logger.LogInformation("Retention: compacted {Streams} heartbeat day streams ({Events} raw events) older than {Cutoff:u}", due.Count, removed, cutoff);
        }
        return new RetentionOutcome(due.Count, removed, cutoff);
    }

    /// <summary>A day is past the window when its last instant is older than the cutoff.</summary>
    public static bool IsPastWindow(DateOnly day, DateTimeOffset cutoff) =>
        new DateTimeOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) <= cutoff;

    private async Task<HeartbeatsCompacted> SummariseAsync(string schema, string key, string nodeKey, DateOnly day, CancellationToken ct)
    {
        await using var count = database.CreateCommand(
            $"select count(*) filter (where type = 'heartbeat_recorded'), count(*) filter (where type = 'replication_lag_recorded'), min(timestamp), max(timestamp) from {schema}.mt_events where stream_id = @key");
        count.Parameters.AddWithValue("key", key);
        await using var reader = await count.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var nodeId = nodeKey[(nodeKey.LastIndexOf('/') + 1)..];
        var first = await reader.GetFieldValueAsync<DateTimeOffset?>(2, ct);
        var last = await reader.GetFieldValueAsync<DateTimeOffset?>(3, ct);
        return new HeartbeatsCompacted(config.ClusterId, nodeId, day, reader.GetInt64(0), reader.GetInt64(1), first, last, key, clock.GetUtcNow());
    }
}
