using Conjur.EventSourced.Hosting.Postgres;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;
using Npgsql;

namespace Conjur.EventSourced.Hosting.Services;

/// <summary>The control plane's own Postgres (the Marten event store), apart from every node's.</summary>
public sealed class ControlPlaneDatabase(ClusterConfig config)
{
    public const string Database = "controlplane";

    public string DataDir => Path.Combine(config.StateDir, "controlplane", "pgdata");
    private string LogFile => Path.Combine(config.LogsDir, "controlplane-postgres.log");
    private string PostmasterPid => Path.Combine(DataDir, "postmaster.pid");

    public int? Pid() => Daemon.ReadPid(PostmasterPid) is { } p && Daemon.IsRunning(p) ? p : null;

    /// <summary>
    /// The event store's connection: pooled, the password from the pgpass file. Bounds of 15 s to connect and
    /// 30 s a command: a control plane restarted under load (the test suite runs two clusters at once, load
    /// average 30 on two cores) also drains the heartbeats queued while it was away, and with 5 s its own
    /// connections timed out during authentication for a minute, failing every request and saga step.
    /// <para>
    /// Auto-prepare: Marten's appends and upserts are the same few statements over and over, and unprepared
    /// each one was parsed and planned again (under ingest load, parsing and planning showed in a profile of
    /// Postgres); Npgsql prepares a statement on a connection once it has run twice there.
    /// </para>
    /// </summary>
    public string ConnectionString => new NpgsqlConnectionStringBuilder(
        PostgresTools.ConnectionString(config, config.ControlPlane.Host, config.ControlPlane.PostgresPort, Database, 15,
            pooling: true, applicationName: "conjur-controlplane", commandTimeoutSeconds: 30, user: ClusterSecrets.PostgresAdminUser,
            identity: config.ControlPlane()))
    {
        MaxAutoPrepare = 64,
        AutoPrepareMinUsages = 2,
    }.ConnectionString;

    public async Task StartAsync(CancellationToken ct)
    {
        await PostgresTools.WritePgPassAsync(config, ct);
        if (!PostgresTools.IsInitialised(DataDir))
        {
            await PostgresTools.InitDbAsync(DataDir, SecretFiles.Read(config.PostgresAdminPasswordFile()), ct);
        }
        if (Pid() is null)
        {
            await PostgresTools.WriteAccessAsync(DataDir, Hba(config.Tls.Enabled),
                config.Tls.Enabled ? PostgresTls.IdentLines([(config.ControlPlane().Name, ClusterSecrets.PostgresAdminUser)]) : "", ct);
            var settings = new Dictionary<string, string>
            {
                ["listen_addresses"] = config.ControlPlane.Host,
                ["port"] = config.ControlPlane.PostgresPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["unix_socket_directories"] = DataDir,
                ["logging_collector"] = "off",
                ["shared_buffers"] = "128MB",
                // The event store can be rebuilt from nothing else: keep it durable, but group commits.
                ["synchronous_commit"] = "on",
                ["max_connections"] = "100",
            };
            if (config.Tls.Enabled)
            {
                CertificateCheck.Require(config, config.ControlPlanePostgres());
                settings.WithServerTls(config.ControlPlanePostgres());
            }
            await PostgresTools.WriteManagedConfAsync(DataDir, settings, ct);
            Directory.CreateDirectory(config.LogsDir);
            await Daemon.StartAsync(PostgresTools.Bin("postgres"), ["-D", DataDir], LogFile, runAs: SystemUsers.Postgres);
        }
        string Admin(int timeoutSeconds) =>
            PostgresTools.ConnectionString(config, config.ControlPlane.Host, config.ControlPlane.PostgresPort, "postgres", timeoutSeconds, user: ClusterSecrets.PostgresAdminUser,
                identity: config.ControlPlane());
        await Wait.ForAsync("the control plane's postgres to accept connections", async c =>
        {
            await using var conn = new NpgsqlConnection(Admin(1));
            await conn.OpenAsync(c);
            return true;
        }, TimeSpan.FromSeconds(60), ct: ct);
        // The probe above gives up fast and retries; this one must not fail on a loaded machine (SCRAM takes CPU).
        await using var conn = new NpgsqlConnection(Admin(15));
        await conn.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", conn) { Parameters = { new() { Value = Database } } };
        if (await exists.ExecuteScalarAsync(ct) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE {Database} OWNER {ClusterSecrets.PostgresAdminUser}", conn);
            await create.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>The control plane logs in over TCP, with its certificate under TLS (else the admin's password); nothing else may.</summary>
    private static string Hba(bool tls) => tls
        ? $"""
          # Managed by Conjur.EventSourced: rewritten at every start.
          local   all   all                               peer
          hostssl all   {ClusterSecrets.PostgresAdminUser}   127.0.0.1/32   cert map={PostgresTls.IdentityMap}

          """
        : $"""
          # Managed by Conjur.EventSourced: rewritten at every start.
          local   all   all                               peer
          host    all   {ClusterSecrets.PostgresAdminUser}   127.0.0.1/32   scram-sha-256

          """;

    public async Task StopAsync(CancellationToken ct)
    {
        if (Pid() is { } pid)
        {
            // SIGINT is Postgres' "fast" shutdown.
            Daemon.Signal(pid, 2);
            if (!await Daemon.WaitForExitAsync(pid, TimeSpan.FromSeconds(30), ct))
            {
                Daemon.Kill(pid);
            }
        }
    }
}
