using System.CommandLine;
using System.Text.Json;
using Conjur.EventSourced.Hosting.Postgres;
using Conjur.EventSourced.Hosting.Topology;
using Npgsql;

namespace Conjur.EventSourced.Cli.Audit;

/// <summary>
/// <c>cluster audit</c>: lists the secret-access audit records held in the master's <c>audit</c> database
/// (through the load balancer's Postgres), or in one node's replica with <c>--node</c>, as RFC 5424 lines
/// or JSON.
/// </summary>
public static class AuditCommand
{
    // The RFC 5424 line holds '<', '>' and '"': print them as they are (this is a terminal or a file, not HTML).
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create()
    {
        var node = new Option<string?>("--node") { Description = "Read this node's copy (any node's replica holds the replicated audit database) instead of the master's through the load balancer" };
        var origin = new Option<string?>("--origin") { Description = "Only records that happened on this node" };
        var user = new Option<string?>("--user") { Description = "Only records of this role (account:kind:id)" };
        var action = new Option<string?>("--action") { Description = "Only this message id or operation (authn, fetch, update, policy, authenticate, load...)" };
        var result = new Option<string?>("--result") { Description = "success or failure" };
        result.AcceptOnlyFromAmong("success", "failure");
        var since = new Option<string?>("--since") { Description = "From this time: ISO 8601, or an age such as 15m, 2h, 7d" };
        var until = new Option<string?>("--until") { Description = "Before this time: ISO 8601, or an age" };
        var limit = new Option<int>("--limit") { Description = "At most this many (the newest), printed oldest first", DefaultValueFactory = _ => AuditFilter.DefaultLimit };
        var json = new Option<bool>("--json") { Description = "A JSON array of records (columns and the RFC 5424 line) instead of the lines" };
        var cmd = new Command("audit", "List and filter the secret-access audit records stored on the master")
        {
            node, origin, user, action, result, since, until, limit, json,
        };
        cmd.SetAction(async (parse, ct) => await Program.Guarded(async () =>
        {
            var config = ClusterConfig.Load(Path.Combine(Program.StateDir(parse), "cluster.json"));
            var now = DateTimeOffset.UtcNow;
            var n = parse.GetValue(limit);
            if (n is < 1 or > AuditFilter.MaxLimit)
            {
                throw new ConfigurationException($"--limit must be between 1 and {AuditFilter.MaxLimit}");
            }
            var filter = new AuditFilter
            {
                Origin = parse.GetValue(origin),
                User = parse.GetValue(user),
                Action = parse.GetValue(action),
                Result = parse.GetValue(result),
                Since = parse.GetValue(since) is { } s ? AuditFilter.ParseTime(s, now) : null,
                Until = parse.GetValue(until) is { } u ? AuditFilter.ParseTime(u, now) : null,
                Limit = n,
            };
            var (host, port, where) = parse.GetValue(node) is { } id
                ? (config.Node(id).Host, config.Node(id).PostgresPort, $"node {id}")
                : (config.LoadBalancer.Host, config.LoadBalancer.PostgresPort, "the master (through the load balancer)");
            IReadOnlyList<AuditRow> rows;
            try
            {
                rows = await QueryAsync(PostgresTools.ConnectionString(config, host, port, "audit", timeoutSeconds: 5), filter, ct);
            }
            catch (NpgsqlException e)
            {
                await Console.Error.WriteLineAsync($"cluster: cannot read the audit records from {where} ({host}:{port}): {e.Message}");
                return 1;
            }
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(rows, Json));
            }
            else
            {
                foreach (var r in rows)
                {
                    Console.WriteLine(r.Rfc5424);
                }
            }
            return 0;
        }));
        return cmd;
    }

    /// <summary>The matching records; none (not an error) while the master has not created the table yet.</summary>
    public static async Task<IReadOnlyList<AuditRow>> QueryAsync(string connectionString, AuditFilter filter, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct);
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('audit_records') IS NOT NULL", conn))
        {
            if (await exists.ExecuteScalarAsync(ct) is not true)
            {
                return [];
            }
        }
        var (sql, values) = filter.ToSql();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var v in values)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = v });
        }
        var rows = new List<AuditRow>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            var occurred = await reader.GetFieldValueAsync<DateTimeOffset>(2, ct);
            var stored = await reader.GetFieldValueAsync<DateTimeOffset>(14, ct);
            rows.Add(new AuditRow(
                reader.GetString(0), reader.GetInt64(1), occurred, reader.GetInt16(3),
                reader.GetString(4), reader.GetString(5), reader.GetString(6), Text(7), Text(8), Text(9), Text(10), Text(11),
                reader.GetString(12), reader.GetString(13), stored));
        }
        return rows;
    }
}

/// <summary>One stored record as <c>cluster audit --json</c> prints it.</summary>
public sealed record AuditRow(
    string Origin, long Sequence, DateTimeOffset Timestamp, short Severity, string MessageId, string Operation, string Result,
    string? User, string? Subject, string? Authenticator, string? Service, string? ClientIp, string Message, string Rfc5424, DateTimeOffset StoredAt);
