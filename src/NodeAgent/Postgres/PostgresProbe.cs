using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.Hosting.Postgres;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;
using Npgsql;

namespace Conjur.EventSourced.NodeAgent.Postgres;

/// <summary>
/// Asks the node's Postgres how it is: recovery state, WAL positions, timeline, and on the master the
/// replicas of <c>pg_stat_replication</c>. A failed connection is the reliable sign of a dead postmaster
/// (a killed process can linger as a zombie here), so a probe failure is a state, not an exception.
/// </summary>
public sealed class PostgresProbe(ClusterConfig config, NodeConfig node)
{
    /// <summary>
    /// A master's current timeline, read from its current WAL file's name: a just-promoted master has not
    /// checkpointed on its new timeline yet, so <c>pg_control_checkpoint()</c> still names the old one.
    /// </summary>
    public const string CurrentTimeline = "('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int";

    private readonly string _connectionString = PostgresTools.LocalConnectionString(config, node, "postgres", ClusterSecrets.PostgresAdminUser, timeoutSeconds: 1);

    public string ConnectionString => _connectionString;

    public async Task<PostgresState> ProbeAsync(CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        try
        {
            await using var conn = new NpgsqlConnection(_connectionString);
            await conn.OpenAsync(ct);
            await using var cmd = new NpgsqlCommand(
                $"""
                SELECT pg_is_in_recovery(),
                       CASE WHEN pg_is_in_recovery() THEN NULL ELSE (pg_current_wal_lsn() - '0/0')::bigint END,
                       (pg_last_wal_receive_lsn() - '0/0')::bigint,
                       (pg_last_wal_replay_lsn() - '0/0')::bigint,
                       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END,
                       -- A just-promoted master has not checkpointed on its new timeline yet: read it from the current WAL file's name.
                       CASE WHEN pg_is_in_recovery()
                            THEN coalesce((SELECT received_tli FROM pg_stat_wal_receiver), (SELECT timeline_id FROM pg_control_checkpoint()))
                            ELSE {CurrentTimeline} END,
                       coalesce((SELECT status FROM pg_stat_wal_receiver), '')
                """, conn);
            PostgresState state;
            await using (var r = await cmd.ExecuteReaderAsync(ct))
            {
                await r.ReadAsync(ct);
                state = new PostgresState
                {
                    Running = true,
                    InRecovery = await r.GetFieldValueAsync<bool>(0, ct),
                    CurrentWalPosition = await r.GetFieldValueAsync<long?>(1, ct),
                    ReceivePosition = await r.GetFieldValueAsync<long?>(2, ct),
                    ReplayPosition = await r.GetFieldValueAsync<long?>(3, ct),
                    ReplayDelaySeconds = await r.GetFieldValueAsync<double?>(4, ct),
                    Timeline = await r.GetFieldValueAsync<int?>(5, ct),
                    ReceiverStatus = await r.GetFieldValueAsync<string>(6, ct) is { Length: > 0 } status ? status : null,
                    ObservedAt = now,
                };
            }
            return state.InRecovery ? state : state with { Replicas = await ReplicasAsync(conn, ct) };
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or IOException)
        {
            return PostgresState.Down(e.Message, now);
        }
    }

    private static async Task<IReadOnlyList<ReplicaReport>> ReplicasAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            SELECT application_name, coalesce(state, 'unknown'), coalesce(sync_state, 'unknown'),
                   (replay_lsn - '0/0')::bigint,
                   (pg_current_wal_lsn() - replay_lsn)::bigint,
                   extract(epoch FROM replay_lag)::float8
            FROM pg_stat_replication
            ORDER BY application_name
            """, conn);
        var list = new List<ReplicaReport>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new ReplicaReport
            {
                NodeId = await r.GetFieldValueAsync<string>(0, ct),
                State = await r.GetFieldValueAsync<string>(1, ct),
                SyncState = await r.GetFieldValueAsync<string>(2, ct),
                ReplayPosition = await r.GetFieldValueAsync<long?>(3, ct),
                LagBytes = await r.GetFieldValueAsync<long?>(4, ct),
                ReplayLagSeconds = await r.GetFieldValueAsync<double?>(5, ct),
            });
        }
        return list;
    }
}
