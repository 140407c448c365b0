using System.Diagnostics;
using Conjur.EventSourced.Hosting.Postgres;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;
using Npgsql;

namespace Conjur.EventSourced.NodeAgent.Postgres;

/// <summary>
/// Owns the node's postmaster: creates or clones the data directory, starts Postgres as a child of
/// the agent (so its death is seen at once from its exit, not guessed from <c>kill -0</c>), reloads and
/// stops it. Decisions about when to restart belong to the HA cycle, not here.
/// </summary>
public sealed class PostgresSupervisor(ClusterConfig config, NodeConfig node, ILogger<PostgresSupervisor> log) : IAsyncDisposable
{
    private readonly object _gate = new();
    private Process? _child;
    private int? _adoptedPid;

    public string NodeDir => config.NodeDir(node.Id);
    public string DataDir => Path.Combine(NodeDir, "pgdata");
    public string LogFile => Path.Combine(NodeDir, "postgres.log");
    public bool IsInitialised => PostgresTools.IsInitialised(DataDir);

    /// <summary>Where <paramref name="timeline"/> forked from its parent, from its history file; null when unknown.</summary>
    public long? SwitchPointOf(int timeline)
    {
        var file = Path.Combine(DataDir, "pg_wal", TimelineHistory.FileName(timeline));
        return File.Exists(file) ? TimelineHistory.SwitchPoint(File.ReadAllText(file)) : null;
    }

    /// <summary>Raised on the postmaster's exit, so the HA loop reacts at once instead of at its next tick.</summary>
    public event Action? PostgresExited;

    public DateTimeOffset? LastExitAt { get; private set; }
    public string? LastExit { get; private set; }

    /// <summary>The postmaster's PID while it runs (our child, or one we found running when the agent restarted).</summary>
    public int? Pid
    {
        get
        {
            lock (_gate)
            {
                if (_child is { HasExited: false })
                {
                    return _child.Id;
                }
                return _adoptedPid is { } p && Daemon.IsRunning(p) ? p : null;
            }
        }
    }

    public bool IsRunning => Pid is not null;

    /// <summary>First start of a brand-new cluster: initdb, the roles of <see cref="PostgresRoles"/> and the two Conjur databases.</summary>
    public async Task BootstrapMasterAsync(CancellationToken ct)
    {
        log.LogInformation("initialising a new master data directory in {DataDir}", DataDir);
        Directory.CreateDirectory(NodeDir);
        await PostgresTools.InitDbAsync(DataDir, adminPassword: null, ct);
        // No synchronous standby yet: with one named, these commits would wait for a standby that cannot exist before them.
        await StartAsync(PostgresSettings.ForMaster(config, node, DataDir, LogFile, synchronous: false), ct);
        await EnsureRolesAsync(ct);
        log.LogInformation("master initialised: databases {Databases}, roles {Roles}", string.Join(", ", PostgresRoles.Databases),
            string.Join(", ", ClusterSecrets.SecretsDatabaseUser, ClusterSecrets.ReplicationUser, ClusterSecrets.OperatorDatabaseUser));
    }

    /// <summary>Makes or brings up to date the database roles and their rights; on the master only (replicas follow by replication).</summary>
    public Task EnsureRolesAsync(CancellationToken ct) =>
        PostgresRoles.EnsureAsync(db => PostgresTools.LocalConnectionString(config, node, db, ClusterSecrets.PostgresAdminUser, timeoutSeconds: 5, commandTimeoutSeconds: 30),
            SecretFiles.GetOrCreate(config.ReplicationPasswordFile()), SecretFiles.GetOrCreate(config.OperatorDatabasePasswordFile()), ct);

    /// <summary>Clones this node from its upstream; the caller retries while the upstream is not there yet.</summary>
    public async Task CloneAsync(string host, int port, CancellationToken ct)
    {
        log.LogInformation("cloning from {Host}:{Port} with pg_basebackup", host, port);
        Directory.CreateDirectory(NodeDir);
        await PostgresTools.BaseBackupAsync(DataDir, host, port, await ReplicationPassFileAsync(ct), config.Tls.Enabled ? config.Postgres(node) : null, ct);
        log.LogInformation("cloned from {Host}:{Port}", host, port);
    }

    private Task<string> ReplicationPassFileAsync(CancellationToken ct) => PostgresTools.WriteReplicationPassFileAsync(config, node.Id, ct);

    /// <summary>Writes the settings and starts the postmaster; returns once it accepts connections (bounded).</summary>
    public async Task StartAsync(IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        if (IsRunning)
        {
            await ApplyAsync(settings, ct);
            return;
        }
        await PostgresTools.WriteManagedConfAsync(DataDir, settings, ct);
        // Rewritten at every start: a clone or a rewind copies the source's files, and an older version's are looser.
        await PostgresTools.WriteAccessAsync(DataDir, PostgresSettings.Hba(config.Tls.Enabled), PostgresSettings.Ident(Environment.UserName, config), ct);
        await ReplicationPassFileAsync(ct);
        await SetStandbySignalAsync(settings.ContainsKey("primary_conninfo"), ct);
        var sockets = PostgresSettings.SocketDir(DataDir);
        Directory.CreateDirectory(sockets);
        await SystemUsers.ChownAsync(sockets, SystemUsers.Postgres, ct);
        if (TryAdoptRunning())
        {
            // A postmaster that outlived its agent reads the access files again (SIGHUP: a reload).
            Daemon.Signal(Pid!.Value, 1);
            return;
        }
        var child = Daemon.StartChild(PostgresTools.Bin("postgres"), ["-D", DataDir], LogFile, SystemUsers.Postgres);
        child.Exited += (_, _) =>
        {
            LastExitAt = DateTimeOffset.UtcNow;
            LastExit = $"postgres (pid {child.Id}) exited with code {SafeExitCode(child)}";
            log.LogWarning("{What}", LastExit);
            PostgresExited?.Invoke();
        };
        lock (_gate)
        {
            _child?.Dispose();
            _child = child;
            _adoptedPid = null;
        }
        log.LogInformation("started postgres pid {Pid} on port {Port}", child.Id, node.PostgresPort);
        await WaitUntilAcceptingAsync(TimeSpan.FromSeconds(90), ct);
    }

    /// <summary>Rewrites the settings of a running server and reloads it (synchronous_standby_names, primary_conninfo).</summary>
    public async Task ApplyAsync(IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        await PostgresTools.WriteManagedConfAsync(DataDir, settings, ct);
        await ReloadAsync(ct);
    }

    /// <summary>Reloads the running server's configuration files, its TLS certificate and key among them.</summary>
    public async Task ReloadAsync(CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(LocalAdmin(2));
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT pg_reload_conf()", conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (!IsRunning)
        {
            return;
        }
        var result = await CommandRunner.RunAsync(PostgresTools.Bin("pg_ctl"), ["stop", "-D", DataDir, "-m", "fast", "-w", "-t", "30"],
            TimeSpan.FromSeconds(40), runAs: SystemUsers.Postgres, ct: ct);
        if (!result.Succeeded && Pid is { } pid)
        {
            log.LogWarning("pg_ctl stop failed ({Error}); killing postmaster {Pid}", result.StdErr.Trim(), pid);
            Daemon.Kill(pid);
        }
        await WaitUntilStoppedAsync(TimeSpan.FromSeconds(10), ct);
    }

    /// <summary>This node's own Postgres, as the superuser on its local socket, on the maintenance database; the connect timeout in seconds.</summary>
    private string LocalAdmin(int timeoutSeconds) =>
        PostgresTools.LocalConnectionString(config, node, "postgres", ClusterSecrets.PostgresAdminUser, timeoutSeconds);

    /// <summary>
    /// A checkpoint while the master still serves: the shutdown checkpoint of a switchover's clean stop then
    /// has little left to write, so the part of the stop that is write outage shrinks.
    /// </summary>
    public async Task CheckpointAsync(CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(LocalAdmin(2));
        await conn.OpenAsync(ct);
        await using var checkpoint = new NpgsqlCommand("CHECKPOINT", conn) { CommandTimeout = 60 };
        await checkpoint.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Fencing: an immediate shutdown (SIGQUIT to the postmaster) ends every session and refuses new ones
    /// at once, without the checkpoint a fast shutdown would wait for. Recovery on the next start (or
    /// pg_rewind) takes care of the rest. Returns once the postmaster is gone (bounded).
    /// </summary>
    public async Task FenceAsync(CancellationToken ct)
    {
        if (Pid is not { } pid)
        {
            return;
        }
        log.LogWarning("fencing: immediate shutdown of postgres pid {Pid}", pid);
        Daemon.Signal(pid, 3);
        await WaitUntilStoppedAsync(TimeSpan.FromSeconds(10), ct);
        if (Pid is { } still)
        {
            Daemon.Kill(still);
            await WaitUntilStoppedAsync(TimeSpan.FromSeconds(5), ct);
        }
    }

    /// <summary>
    /// Leaves recovery on one connection: writes <paramref name="settings"/> (the master's, with its
    /// synchronous standbys named) and reloads them, then <c>pg_promote</c>, waiting (bounded) until the
    /// server is writable. The postmaster handles the reload's signal before the promotion's, so the first
    /// session of the new master already waits for a synchronous standby. Returns the new timeline.
    /// </summary>
    public async Task<int> PromoteAsync(IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        await PostgresTools.WriteManagedConfAsync(DataDir, settings, ct);
        await using var conn = new NpgsqlConnection(LocalAdmin(2));
        await conn.OpenAsync(ct);
        await using (var reload = new NpgsqlCommand("SELECT pg_reload_conf()", conn))
        {
            await reload.ExecuteNonQueryAsync(ct);
        }
        // pg_promote's own wait polls every 100 ms; polling ourselves every 10 ms takes that off the outage.
        await using (var promote = new NpgsqlCommand("SELECT pg_promote(false)", conn))
        {
            await promote.ExecuteNonQueryAsync(ct);
        }
        await using var check = new NpgsqlCommand("SELECT pg_is_in_recovery()", conn);
        var until = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30);
        while (await check.ExecuteScalarAsync(ct) is true)
        {
            if (DateTimeOffset.UtcNow > until)
            {
                throw new InvalidOperationException("postgres did not leave recovery within 30 s of pg_promote");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(10), ct);
        }
        await using var timeline = new NpgsqlCommand($"SELECT {PostgresProbe.CurrentTimeline}", conn);
        return (int)(await timeline.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Rewinds a stopped data directory onto <paramref name="host"/>'s timeline with pg_rewind (which runs
    /// crash recovery first when the server was killed). pg_rewind copies the source's configuration
    /// files, so the caller writes this node's settings again before starting.
    /// </summary>
    public async Task RewindAsync(string host, int port, CancellationToken ct)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("pg_rewind needs a stopped server");
        }
        var passFile = await ReplicationPassFileAsync(ct);
        var sourceTimeline = await CheckpointOnCurrentTimelineAsync(host, port, passFile, ct);
        log.LogInformation("pg_rewind from {Host}:{Port} (timeline {Timeline})", host, port, sourceTimeline);
        // As the replication role: pg_rewind needs only the file functions PostgresRoles grants it, not a superuser.
        var source = $"host={host} port={port.ToString(System.Globalization.CultureInfo.InvariantCulture)} dbname=postgres user={ClusterSecrets.ReplicationUser} passfile={passFile} connect_timeout=3";
        if (config.Tls.Enabled)
        {
            source += " " + PostgresTls.LibpqParameters(config.Postgres(node));
        }
        var result = await CommandRunner.RunAsync(PostgresTools.Bin("pg_rewind"),
            ["--target-pgdata", DataDir, "--source-server", source],
            TimeSpan.FromMinutes(5), runAs: SystemUsers.Postgres, ct: ct);
        result.ThrowOnFailure();
    }

    /// <summary>
    /// pg_rewind reads the source's timeline from its control file, which a just-promoted master updates only
    /// at its first checkpoint on the new timeline (requested at promotion, and spread out). Before that,
    /// pg_rewind sees "the same timeline", rewinds nothing, and leaves a server that cannot follow the new
    /// master (seen 2026-11-27: a re-enrolment half a second after a promotion). So checkpoint the source
    /// first when it has not; returns its current timeline.
    /// </summary>
    private async Task<int> CheckpointOnCurrentTimelineAsync(string host, int port, string passFile, CancellationToken ct)
    {
        // The replication role holds pg_checkpoint: no superuser crosses the network.
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(
            PostgresTools.ConnectionString(config, host, port, "postgres", commandTimeoutSeconds: 120, user: ClusterSecrets.ReplicationUser,
                identity: config.Agent(node))) { Passfile = passFile }.ConnectionString);
        await conn.OpenAsync(ct);
        async Task<(int Checkpointed, int Current)> ReadAsync()
        {
            await using var read = new NpgsqlCommand(
                $"SELECT (SELECT timeline_id FROM pg_control_checkpoint()), {PostgresProbe.CurrentTimeline}", conn);
            await using var row = await read.ExecuteReaderAsync(ct);
            await row.ReadAsync(ct);
            return (row.GetInt32(0), row.GetInt32(1));
        }
        var (checkpointed, current) = await ReadAsync();
        if (checkpointed >= current)
        {
            return current;
        }
        log.LogInformation("{Host}:{Port} has no checkpoint on timeline {Timeline} yet: CHECKPOINT before pg_rewind", host, port, current);
        await using (var checkpoint = new NpgsqlCommand("CHECKPOINT", conn))
        {
            await checkpoint.ExecuteNonQueryAsync(ct);
        }
        (checkpointed, current) = await ReadAsync();
        return checkpointed >= current
            ? current
            : throw new InvalidOperationException($"{host}:{port} still has no checkpoint on timeline {current} after CHECKPOINT");
    }

    /// <summary>Waits (bounded) until the postmaster we own or adopted is gone: from its exit, not from <c>kill -0</c>.</summary>
    public async Task WaitUntilStoppedAsync(TimeSpan timeout, CancellationToken ct)
    {
        Process? child;
        lock (_gate)
        {
            child = _child;
        }
        if (child is { HasExited: false })
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
            bounded.CancelAfter(timeout);
            try
            {
                await child.WaitForExitAsync(bounded.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            return;
        }
        if (_adoptedPid is { } adopted)
        {
            await Daemon.WaitForExitAsync(adopted, timeout, ct);
        }
    }

    private async Task SetStandbySignalAsync(bool standby, CancellationToken ct)
    {
        var signal = Path.Combine(DataDir, "standby.signal");
        if (standby && !File.Exists(signal))
        {
            await File.WriteAllTextAsync(signal, "", ct);
            await SystemUsers.ChownAsync(signal, SystemUsers.Postgres, ct);
        }
        else if (!standby && File.Exists(signal))
        {
            File.Delete(signal);
        }
    }

    /// <summary>After an agent restart the postmaster may still run: take it over instead of starting a second one.</summary>
    private bool TryAdoptRunning()
    {
        var pid = Daemon.ReadPid(Path.Combine(DataDir, "postmaster.pid"));
        if (pid is not { } p || !Daemon.IsRunning(p) || !File.Exists($"/proc/{p}/cmdline")
            || !File.ReadAllText($"/proc/{p}/cmdline").Contains("postgres", StringComparison.Ordinal))
        {
            return false;
        }
        lock (_gate)
        {
            _adoptedPid = p;
        }
        log.LogInformation("adopted running postgres pid {Pid}", p);
        return true;
    }

    private async Task WaitUntilAcceptingAsync(TimeSpan timeout, CancellationToken ct)
    {
        var cs = LocalAdmin(1);
        // Stop waiting as soon as the postmaster is gone: a bad setting makes it exit at once.
        await Wait.UntilAsync(async c =>
        {
            if (!IsRunning)
            {
                return true;
            }
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync(c);
            return true;
        }, timeout, TimeSpan.FromMilliseconds(100), ct);
        if (!IsRunning)
        {
            throw new InvalidOperationException($"postgres exited during start-up: see {LogFile}");
        }
        // The loop above gives up fast and retries; this last check must not fail on a loaded machine (SCRAM takes CPU).
        await using var probe = new NpgsqlConnection(LocalAdmin(10));
        try
        {
            await probe.OpenAsync(ct);
        }
        catch (NpgsqlException e)
        {
            throw new TimeoutException($"postgres on port {node.PostgresPort} did not accept connections within {timeout.TotalSeconds} s: see {LogFile}", e);
        }
    }

    private static string SafeExitCode(Process p)
    {
        try
        {
            return p.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _child?.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
