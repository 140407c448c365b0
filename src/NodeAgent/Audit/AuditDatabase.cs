using Conjur.EventSourced.Hosting.Postgres;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;
using Npgsql;
using NpgsqlTypes;

namespace Conjur.EventSourced.NodeAgent.Audit;

/// <summary>
/// The <c>audit</c> database on this node's Postgres: written on the master (its own records and the ones
/// followers ship), replicated to every other node, so after a failover the new master has everything
/// the old one committed. (origin, sequence) is the primary key: that is what makes storing exactly once
/// a property of the database rather than of the shipping code.
/// </summary>
public sealed class AuditDatabase(ClusterConfig config, NodeConfig node) : IAsyncDisposable
{
    public const string Table = "audit_records";

    // Taken inside the schema transaction: two agents' CREATE ... IF NOT EXISTS can race on the catalog.
    private const long SchemaLock = 43868;

    public const string Schema = $"""
        CREATE TABLE IF NOT EXISTS {Table} (
            origin        text        NOT NULL,
            sequence      bigint      NOT NULL CHECK (sequence > 0),
            occurred_at   timestamptz NOT NULL,
            facility      smallint    NOT NULL,
            severity      smallint    NOT NULL,
            hostname      text        NOT NULL,
            app_name      text        NOT NULL,
            message_id    text        NOT NULL,
            operation     text        NOT NULL,
            result        text        NOT NULL CHECK (result IN ('success', 'failure')),
            user_id       text,
            subject       text,
            authenticator text,
            service       text,
            client_ip     text,
            message       text        NOT NULL,
            rfc5424       text        NOT NULL,
            stored_at     timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (origin, sequence)
        );
        CREATE INDEX IF NOT EXISTS {Table}_occurred_at ON {Table} (occurred_at);
        CREATE INDEX IF NOT EXISTS {Table}_user ON {Table} (user_id, occurred_at);
        """;

    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(
        PostgresTools.LocalConnectionString(config, node, "audit", ClusterSecrets.SecretsDatabaseUser, timeoutSeconds: 5, pooling: true, applicationName: $"audit-{node.Id}"));

    private volatile bool _schemaReady;

    public async Task EnsureSchemaAsync(CancellationToken ct)
    {
        if (_schemaReady)
        {
            return;
        }
        await using var conn = await _source.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var lockCmd = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({SchemaLock})", conn, tx))
        {
            await lockCmd.ExecuteNonQueryAsync(ct);
        }
        await using (var create = new NpgsqlCommand(Schema, conn, tx))
        {
            await create.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        _schemaReady = true;
    }

    /// <summary>After any failure the next write checks the schema again (a new master, a recreated database).</summary>
    public void Forget() => _schemaReady = false;

    /// <summary>The highest sequence stored for <paramref name="origin"/>, readable on the master and on any replica; 0 if none (or no table yet).</summary>
    public async Task<long> MaxSequenceAsync(string origin, CancellationToken ct)
    {
        await using var conn = await _source.OpenConnectionAsync(ct);
        await using var exists = new NpgsqlCommand($"SELECT to_regclass('{Table}') IS NOT NULL", conn);
        if (await exists.ExecuteScalarAsync(ct) is not true)
        {
            return 0;
        }
        await using var cmd = new NpgsqlCommand($"SELECT COALESCE(MAX(sequence), 0) FROM {Table} WHERE origin = $1", conn);
        cmd.Parameters.AddWithValue(origin);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Stores records in one transaction and returns how many were new. <paramref name="ignoreDuplicates"/>
    /// is for shipped records (a retried batch is expected); this node's own records must never collide,
    /// so a collision there is an error, never a silent drop.
    /// </summary>
    public async Task<int> InsertAsync(IReadOnlyList<AuditRecord> records, bool ignoreDuplicates, CancellationToken ct)
    {
        if (records.Count == 0)
        {
            return 0;
        }
        await EnsureSchemaAsync(ct);
        var sql = $"""
            INSERT INTO {Table} (origin, sequence, occurred_at, facility, severity, hostname, app_name, message_id, operation,
                                 result, user_id, subject, authenticator, service, client_ip, message, rfc5424)
            SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[], $4::smallint[], $5::smallint[], $6::text[], $7::text[],
                                 $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[],
                                 $16::text[], $17::text[])
            {(ignoreDuplicates ? "ON CONFLICT (origin, sequence) DO NOTHING" : "")}
            """;
        try
        {
            await using var conn = await _source.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            await using var cmd = new NpgsqlCommand(sql, conn, tx);
            cmd.Parameters.Add(Array(records, r => r.Origin));
            cmd.Parameters.Add(new NpgsqlParameter { Value = records.Select(r => r.Sequence).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            cmd.Parameters.Add(new NpgsqlParameter { Value = records.Select(r => r.Timestamp.ToUniversalTime()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(new NpgsqlParameter { Value = records.Select(_ => (short)Rfc5424.FacilityAuthPriv).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint });
            cmd.Parameters.Add(new NpgsqlParameter { Value = records.Select(r => (short)Rfc5424.Severity(r.Success)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint });
            cmd.Parameters.Add(Array(records, r => r.Origin));
            cmd.Parameters.Add(Array(records, _ => Rfc5424.AppName));
            cmd.Parameters.Add(Array(records, r => r.MessageId));
            cmd.Parameters.Add(Array(records, r => r.Operation));
            cmd.Parameters.Add(Array(records, r => r.Result));
            cmd.Parameters.Add(Array(records, r => r.User));
            cmd.Parameters.Add(Array(records, r => r.Subject));
            cmd.Parameters.Add(Array(records, r => r.Authenticator));
            cmd.Parameters.Add(Array(records, r => r.Service));
            cmd.Parameters.Add(Array(records, r => r.ClientIp));
            cmd.Parameters.Add(Array(records, r => r.Message));
            cmd.Parameters.Add(Array(records, Rfc5424.Render));
            var inserted = await cmd.ExecuteNonQueryAsync(ct);
            // Acknowledged only once committed (with synchronous replication: once on the synchronous standby too).
            await tx.CommitAsync(ct);
            return inserted;
        }
        catch
        {
            Forget();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();

    private static NpgsqlParameter Array(IReadOnlyList<AuditRecord> records, Func<AuditRecord, string?> field) =>
        new() { Value = records.Select(field).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };
}
