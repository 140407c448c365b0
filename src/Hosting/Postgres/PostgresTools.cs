using System.Globalization;
using System.Text;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;
using Npgsql;

namespace Conjur.EventSourced.Hosting.Postgres;

/// <summary>
/// The PostgreSQL 15 command-line tools, run as the <c>postgres</c> system user (Postgres refuses root):
/// initdb, configuration, base backups. Shared by the node agents and the control plane's own database.
/// </summary>
public static class PostgresTools
{
    public static string BinDir =>
        Environment.GetEnvironmentVariable("CONJUR_PG_BIN") is { Length: > 0 } dir ? dir : "/usr/lib/postgresql/15/bin";

    public static string Bin(string tool) => Path.Combine(BinDir, tool);

    /// <summary>The file, inside a data directory, that holds every setting we manage; postgresql.conf includes it.</summary>
    public const string ManagedConfFile = "conjur.conf";

    public static bool IsInitialised(string dataDir) => File.Exists(Path.Combine(dataDir, "PG_VERSION"));

    /// <summary>Makes a data directory owned by postgres with the mode Postgres demands.</summary>
    public static async Task PrepareDataDirAsync(string dataDir, CancellationToken ct)
    {
        Directory.CreateDirectory(dataDir);
        File.SetUnixFileMode(dataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await SystemUsers.ChownAsync(dataDir, SystemUsers.Postgres, ct);
    }

    public static async Task InitDbAsync(string dataDir, string adminPasswordFile, CancellationToken ct)
    {
        await PrepareDataDirAsync(dataDir, ct);
        (await CommandRunner.RunAsync(Bin("initdb"),
            ["-D", dataDir, "-U", ClusterSecrets.PostgresAdminUser, $"--pwfile={adminPasswordFile}",
             "--auth-local=peer", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--data-checksums"],
            TimeSpan.FromSeconds(120), runAs: SystemUsers.Postgres, ct: ct)).ThrowOnFailure();
        await WriteHbaAsync(dataDir, ct);
        var conf = Path.Combine(dataDir, "postgresql.conf");
        await File.AppendAllTextAsync(conf, $"{Environment.NewLine}include_if_exists = '{ManagedConfFile}'{Environment.NewLine}", ct);
    }

    /// <summary>Loopback clients authenticate with a password (scram); replication only as the replication role.</summary>
    public static async Task WriteHbaAsync(string dataDir, CancellationToken ct)
    {
        var hba = new StringBuilder()
            .AppendLine("# Managed by Conjur.EventSourced: rewritten at every start.")
            .AppendLine("local   all          all                          peer")
            .AppendLine($"host    all          {ClusterSecrets.PostgresAdminUser,-12} 127.0.0.1/32     scram-sha-256")
            .AppendLine($"host    replication  {ClusterSecrets.ReplicationUser,-12} 127.0.0.1/32     scram-sha-256")
            .AppendLine($"host    all          {ClusterSecrets.ReplicationUser,-12} 127.0.0.1/32     scram-sha-256")
            .ToString();
        await WriteOwnedAsync(Path.Combine(dataDir, "pg_hba.conf"), hba, ct);
    }

    /// <summary>Writes the managed settings file; values are quoted as Postgres wants.</summary>
    public static async Task WriteManagedConfAsync(string dataDir, IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        var text = new StringBuilder().AppendLine("# Managed by Conjur.EventSourced: rewritten by the node agent, do not edit.");
        foreach (var (k, v) in settings.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            text.Append(k).Append(" = '").Append(v.Replace("'", "''", StringComparison.Ordinal)).AppendLine("'");
        }
        await WriteOwnedAsync(Path.Combine(dataDir, ManagedConfFile), text.ToString(), ct);
    }

    /// <summary>Clones a replica from <paramref name="host"/>:<paramref name="port"/> (the master, or the load balancer for followers).</summary>
    public static async Task BaseBackupAsync(string dataDir, string host, int port, string passFile, CancellationToken ct)
    {
        if (Directory.Exists(dataDir))
        {
            Directory.Delete(dataDir, recursive: true);
        }
        await PrepareDataDirAsync(dataDir, ct);
        var dsn = $"host={host} port={port.ToString(CultureInfo.InvariantCulture)} user={ClusterSecrets.ReplicationUser} passfile={passFile} connect_timeout=5";
        var result = await CommandRunner.RunAsync(Bin("pg_basebackup"),
            ["-d", dsn, "-D", dataDir, "-X", "stream", "-c", "fast", "--no-password"],
            TimeSpan.FromMinutes(10), runAs: SystemUsers.Postgres, ct: ct);
        result.ThrowOnFailure();
    }

    /// <summary>Writes the pgpass file every local client and walreceiver uses (mode 0600, owned by postgres: root reads it too).</summary>
    public static async Task WritePgPassAsync(ClusterConfig config, CancellationToken ct)
    {
        var admin = SecretFiles.GetOrCreate(config.PostgresAdminPasswordFile());
        var replication = SecretFiles.GetOrCreate(config.ReplicationPasswordFile());
        var text = $"*:*:*:{ClusterSecrets.PostgresAdminUser}:{admin}\n*:*:*:{ClusterSecrets.ReplicationUser}:{replication}\n";
        if (!File.Exists(config.PgPassFile) || await File.ReadAllTextAsync(config.PgPassFile, ct) != text)
        {
            SecretFiles.Write(config.PgPassFile, text);
        }
        await SystemUsers.ChownAsync(config.SecretsDir, SystemUsers.Postgres, ct);
    }

    /// <summary>A libpq DSN for the local administrator that refers to the pgpass file instead of inlining the password.</summary>
    public static string Dsn(ClusterConfig config, string host, int port, string database = "policy") =>
        $"host={host} port={port.ToString(CultureInfo.InvariantCulture)} dbname={database} user={ClusterSecrets.PostgresAdminUser} passfile={config.PgPassFile} connect_timeout=3";

    /// <summary>The Npgsql form of <see cref="Dsn"/>.</summary>
    public static string ConnectionString(ClusterConfig config, string host, int port, string database = "policy", int timeoutSeconds = 3,
        bool pooling = false, string? applicationName = null, int? commandTimeoutSeconds = null) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port,
            Database = database,
            Username = ClusterSecrets.PostgresAdminUser,
            Passfile = config.PgPassFile,
            Timeout = timeoutSeconds,
            CommandTimeout = commandTimeoutSeconds ?? Math.Max(timeoutSeconds, 5),
            // Probes and admin commands open one connection now and then; long-lived services pool.
            Pooling = pooling,
            ApplicationName = applicationName,
        }.ConnectionString;

    private static async Task WriteOwnedAsync(string path, string text, CancellationToken ct)
    {
        await File.WriteAllTextAsync(path, text, ct);
        await SystemUsers.ChownAsync(path, SystemUsers.Postgres, ct);
    }
}
