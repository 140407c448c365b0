using Conjur.EventSourced.Hosting.Security;
using Npgsql;

namespace Conjur.EventSourced.NodeAgent.Postgres;

/// <summary>
/// The database roles of a node's Postgres and exactly what each may do, made or brought up to date by the
/// master's superuser (replicas get them by replication). Idempotent, so a cluster made by an earlier
/// version is migrated when its master starts: the secrets and audit tables move to the secrets role,
/// the superuser loses its password.
/// <list type="bullet">
/// <item><c>conjur</c>: superuser, no password, local socket only (pg_hba): the HA supervisor.</item>
/// <item><c>conjur_secrets</c>: the secrets API and audit; owns their tables and may create its own in
/// <c>policy</c> and <c>audit</c>; no superuser, so no <c>pg_read_file</c>, no <c>COPY ... PROGRAM</c>.</item>
/// <item><c>replicator</c>: replication, and for pg_rewind's reads of a source the file functions it needs
/// (limited to the data directory without <c>pg_read_server_files</c>) and <c>pg_checkpoint</c>.</item>
/// <item><c>conjur_operator</c>: reads every table (<c>pg_read_all_data</c>), monitors, makes tables of its
/// own in <c>policy</c> (the drill's); never writes the secrets tables.</item>
/// </list>
/// </summary>
public static class PostgresRoles
{
    public static readonly IReadOnlyList<string> Databases = ["policy", "audit"];

    /// <summary>Statements for the <c>postgres</c> database (roles are shared by every database of the server).</summary>
    public static IReadOnlyList<string> ServerStatements(string replicationPassword, string operatorPassword) =>
    [
        $"""
        DO $$BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ClusterSecrets.ReplicationUser}') THEN CREATE ROLE {ClusterSecrets.ReplicationUser}; END IF;
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ClusterSecrets.SecretsDatabaseUser}') THEN CREATE ROLE {ClusterSecrets.SecretsDatabaseUser}; END IF;
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ClusterSecrets.OperatorDatabaseUser}') THEN CREATE ROLE {ClusterSecrets.OperatorDatabaseUser}; END IF;
        END$$
        """,
        $"ALTER ROLE {ClusterSecrets.PostgresAdminUser} PASSWORD NULL",
        $"ALTER ROLE {ClusterSecrets.ReplicationUser} WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD {Literal(replicationPassword)}",
        $"ALTER ROLE {ClusterSecrets.SecretsDatabaseUser} WITH LOGIN NOREPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD NULL",
        $"ALTER ROLE {ClusterSecrets.OperatorDatabaseUser} WITH LOGIN NOREPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD {Literal(operatorPassword)}",
        $"GRANT pg_checkpoint TO {ClusterSecrets.ReplicationUser}",
        $"""
        GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text, boolean, boolean), pg_catalog.pg_stat_file(text, boolean),
            pg_catalog.pg_read_binary_file(text), pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) TO {ClusterSecrets.ReplicationUser}
        """,
        $"GRANT pg_read_all_data, pg_monitor TO {ClusterSecrets.OperatorDatabaseUser}",
        "REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC",
        $"GRANT CONNECT ON DATABASE postgres TO {ClusterSecrets.ReplicationUser}",
        .. Databases.SelectMany(db => new[]
        {
            $"REVOKE CONNECT, TEMPORARY ON DATABASE {db} FROM PUBLIC",
            $"GRANT CONNECT ON DATABASE {db} TO {ClusterSecrets.SecretsDatabaseUser}, {ClusterSecrets.OperatorDatabaseUser}",
        }),
    ];

    /// <summary>Statements for one of <see cref="Databases"/>.</summary>
    public static IReadOnlyList<string> DatabaseStatements(string database) =>
    [
        "REVOKE ALL ON SCHEMA public FROM PUBLIC",
        $"GRANT USAGE, CREATE ON SCHEMA public TO {ClusterSecrets.SecretsDatabaseUser}",
        database == "policy"
            ? $"GRANT USAGE, CREATE ON SCHEMA public TO {ClusterSecrets.OperatorDatabaseUser}"
            : $"GRANT USAGE ON SCHEMA public TO {ClusterSecrets.OperatorDatabaseUser}",
        // Tables an earlier version made as the superuser: the secrets role's own, the drill's the operator's.
        $"""
        DO $$DECLARE t record; BEGIN
            FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = '{ClusterSecrets.PostgresAdminUser}'
                     AND (tablename LIKE 'secrets\_%' OR tablename LIKE 'audit\_%') LOOP
                EXECUTE format('ALTER TABLE public.%I OWNER TO {ClusterSecrets.SecretsDatabaseUser}', t.tablename);
            END LOOP;
            FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = '{ClusterSecrets.PostgresAdminUser}'
                     AND tablename = 'drill_writes' LOOP
                EXECUTE format('ALTER TABLE public.%I OWNER TO {ClusterSecrets.OperatorDatabaseUser}', t.tablename);
            END LOOP;
        END$$
        """,
    ];

    /// <summary>Runs every statement as the superuser on this node's socket (the master only: replicas are read-only).</summary>
    public static async Task EnsureAsync(Func<string, string> connectionString, string replicationPassword, string operatorPassword, CancellationToken ct)
    {
        await using (var conn = new NpgsqlConnection(connectionString("postgres")))
        {
            await conn.OpenAsync(ct);
            foreach (var db in Databases)
            {
                await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", conn) { Parameters = { new() { Value = db } } };
                if (await exists.ExecuteScalarAsync(ct) is null)
                {
                    await using var create = new NpgsqlCommand($"CREATE DATABASE {db}", conn);
                    await create.ExecuteNonQueryAsync(ct);
                }
            }
            await RunAsync(conn, ServerStatements(replicationPassword, operatorPassword), ct);
        }
        foreach (var db in Databases)
        {
            await using var conn = new NpgsqlConnection(connectionString(db));
            await conn.OpenAsync(ct);
            await RunAsync(conn, DatabaseStatements(db), ct);
        }
    }

    private static async Task RunAsync(NpgsqlConnection conn, IEnumerable<string> statements, CancellationToken ct)
    {
        foreach (var sql in statements)
        {
            await using var cmd = new NpgsqlCommand(sql, conn);
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Generated passwords are hex; quote anyway, as Postgres does.</summary>
    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
