using System.Globalization;
using System.Text;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;
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

    /// <summary>
    /// initdb as <c>postgres</c>. With <paramref name="adminPassword"/> the superuser gets it (through a file of a
    /// private temporary folder that only <c>postgres</c> can read, removed at once, so no file of the state
    /// folder has to be readable by that user); without one it has none and can log in only where pg_hba allows
    /// it without a password (the node's local socket, by peer).
    /// </summary>
    public static async Task InitDbAsync(string dataDir, string? adminPassword, CancellationToken ct)
    {
        await PrepareDataDirAsync(dataDir, ct);
        var args = new List<string> { "-D", dataDir, "-U", ClusterSecrets.PostgresAdminUser, "--auth-local=peer", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--data-checksums" };
        DirectoryInfo? scratch = null;
        try
        {
            if (adminPassword is not null)
            {
                scratch = Directory.CreateTempSubdirectory("conjur-initdb-");
                var pwfile = Path.Combine(scratch.FullName, "pw");
                SecretFiles.Write(pwfile, adminPassword);
                await SystemUsers.ChownAsync(scratch.FullName, SystemUsers.Postgres, ct);
                args.Add($"--pwfile={pwfile}");
            }
            (await CommandRunner.RunAsync(Bin("initdb"), args, TimeSpan.FromSeconds(120), runAs: SystemUsers.Postgres, ct: ct)).ThrowOnFailure();
        }
        finally
        {
            scratch?.Delete(recursive: true);
        }
        var conf = Path.Combine(dataDir, "postgresql.conf");
        await File.AppendAllTextAsync(conf, $"{Environment.NewLine}include_if_exists = '{ManagedConfFile}'{Environment.NewLine}", ct);
    }

    /// <summary>Writes who may log in how (<c>pg_hba.conf</c>) and, for peer logins, which OS user maps to which role (<c>pg_ident.conf</c>).</summary>
    public static async Task WriteAccessAsync(string dataDir, string hba, string ident, CancellationToken ct)
    {
        await WriteOwnedAsync(Path.Combine(dataDir, "pg_hba.conf"), hba, ct);
        await WriteOwnedAsync(Path.Combine(dataDir, "pg_ident.conf"), ident, ct);
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
    public static async Task BaseBackupAsync(string dataDir, string host, int port, string passFile, CertificateSpec? identity, CancellationToken ct)
    {
        if (Directory.Exists(dataDir))
        {
            Directory.Delete(dataDir, recursive: true);
        }
        await PrepareDataDirAsync(dataDir, ct);
        var dsn = $"host={host} port={port.ToString(CultureInfo.InvariantCulture)} user={ClusterSecrets.ReplicationUser} passfile={passFile} connect_timeout=5";
        if (identity is not null)
        {
            dsn += " " + PostgresTls.LibpqParameters(identity);
        }
        var result = await CommandRunner.RunAsync(Bin("pg_basebackup"),
            ["-d", dsn, "-D", dataDir, "-X", "stream", "-c", "fast", "--no-password"],
            TimeSpan.FromMinutes(10), runAs: SystemUsers.Postgres, ct: ct);
        result.ThrowOnFailure();
    }

    /// <summary>
    /// The operator's pgpass (<c>secrets/pgpass</c>): the operator's and the replication role's passwords, for
    /// tools that run as the agents' and the CLI's user. The folder stays that user's alone (0700): the
    /// <c>postgres</c> server must never read it, or <c>pg_read_file</c> would hand out the data key.
    /// </summary>
    public static async Task WritePgPassAsync(ClusterConfig config, CancellationToken ct)
    {
        await SecureSecretsDirAsync(config, ct);
        var admin = SecretFiles.GetOrCreate(config.PostgresAdminPasswordFile());
        var replication = SecretFiles.GetOrCreate(config.ReplicationPasswordFile());
        var operatorPassword = SecretFiles.GetOrCreate(config.OperatorDatabasePasswordFile());
        var text = $"*:*:*:{ClusterSecrets.OperatorDatabaseUser}:{operatorPassword}\n*:*:*:{ClusterSecrets.ReplicationUser}:{replication}\n"
            + $"*:*:*:{ClusterSecrets.PostgresAdminUser}:{admin}\n";
        if (!File.Exists(config.PgPassFile) || await File.ReadAllTextAsync(config.PgPassFile, ct) != text)
        {
            SecretFiles.Write(config.PgPassFile, text);
        }
    }

    /// <summary>
    /// The one credential a node's <c>postgres</c> processes need (the walreceiver, pg_basebackup, pg_rewind): the
    /// replication password, in a pgpass of the node's own folder owned by <c>postgres</c>. Returns its path.
    /// </summary>
    public static async Task<string> WriteReplicationPassFileAsync(ClusterConfig config, string nodeId, CancellationToken ct)
    {
        var path = ReplicationPassFile(config, nodeId);
        var text = $"*:*:*:{ClusterSecrets.ReplicationUser}:{SecretFiles.GetOrCreate(config.ReplicationPasswordFile())}\n";
        if (!File.Exists(path) || await File.ReadAllTextAsync(path, ct) != text)
        {
            SecretFiles.Write(path, text);
        }
        await SystemUsers.ChownAsync(path, SystemUsers.Postgres, ct);
        return path;
    }

    public static string ReplicationPassFile(ClusterConfig config, string nodeId) => Path.Combine(config.NodeDir(nodeId), "replication.pgpass");

    /// <summary>Where a node's Postgres puts its socket: beside the data directory (pg_rewind copies the data directory and fails on a socket).</summary>
    public static string SocketDir(ClusterConfig config, string nodeId) => Path.Combine(config.NodeDir(nodeId), "socket");

    /// <summary>
    /// The state folder's <c>secrets/</c> belongs to the user the agents and the CLI run as, mode 0700. Earlier
    /// versions gave it to <c>postgres</c> (for the walreceiver's pgpass): take it back.
    /// </summary>
    public static async Task SecureSecretsDirAsync(ClusterConfig config, CancellationToken ct)
    {
        Directory.CreateDirectory(config.SecretsDir);
        await SystemUsers.ReclaimAsync(config.SecretsDir, ct);
        File.SetUnixFileMode(config.SecretsDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>
    /// A libpq DSN for the operator's login: with TLS, the operator's certificate is the credential (verify-full);
    /// without, the pgpass file holds the password. Never the password inline.
    /// </summary>
    public static string Dsn(ClusterConfig config, string host, int port, string database = "policy")
    {
        var dsn = $"host={host} port={port.ToString(CultureInfo.InvariantCulture)} dbname={database} user={ClusterSecrets.OperatorDatabaseUser} passfile={config.PgPassFile} connect_timeout=3";
        return config.Tls.Enabled ? dsn + " " + PostgresTls.LibpqParameters(config.Operator()) : dsn;
    }

    /// <summary>
    /// The Npgsql form of <see cref="Dsn"/>: the operator's login over TCP, unless <paramref name="user"/> names another
    /// role; with TLS as <paramref name="identity"/> (the operator's certificate unless given), else by the pgpass file.
    /// </summary>
    public static string ConnectionString(ClusterConfig config, string host, int port, string database = "policy", int timeoutSeconds = 3,
        bool pooling = false, string? applicationName = null, int? commandTimeoutSeconds = null, string user = ClusterSecrets.OperatorDatabaseUser,
        CertificateSpec? identity = null)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port,
            Database = database,
            Username = user,
            Passfile = config.PgPassFile,
            Timeout = timeoutSeconds,
            CommandTimeout = commandTimeoutSeconds ?? Math.Max(timeoutSeconds, 5),
            // Probes and admin commands open one connection now and then; long-lived services pool.
            Pooling = pooling,
            ApplicationName = applicationName,
        };
        return config.Tls.Enabled ? PostgresTls.Apply(builder, identity ?? config.Operator()).ConnectionString : builder.ConnectionString;
    }

    /// <summary>
    /// A login on a node's own Postgres through its local socket, by peer authentication: no password exists for
    /// it, and only a process of the agent's OS user on that host gets in (as the superuser, or as the secrets role).
    /// </summary>
    public static string LocalConnectionString(ClusterConfig config, NodeConfig node, string database, string user, int timeoutSeconds = 3,
        bool pooling = false, string? applicationName = null, int? commandTimeoutSeconds = null) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = SocketDir(config, node.Id),
            Port = node.PostgresPort,
            Database = database,
            Username = user,
            Timeout = timeoutSeconds,
            CommandTimeout = commandTimeoutSeconds ?? Math.Max(timeoutSeconds, 5),
            Pooling = pooling,
            ApplicationName = applicationName,
        }.ConnectionString;

    private static async Task WriteOwnedAsync(string path, string text, CancellationToken ct)
    {
        await File.WriteAllTextAsync(path, text, ct);
        await SystemUsers.ChownAsync(path, SystemUsers.Postgres, ct);
    }
}
