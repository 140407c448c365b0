using System.Diagnostics;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Services;

/// <summary>
/// Runs the cluster's single RabbitMQ node from Debian's package, as user <c>rabbitmq</c>, with every
/// file under <c>{StateDir}/rabbitmq</c> and its own epmd on loopback; stops both by PID. Every rabbitmqctl
/// call goes through <see cref="CtlAsync"/>, with the node's environment (its epmd port, on 127.0.0.1).
/// </summary>
public sealed class RabbitMqLauncher(ClusterConfig config)
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(5);
    /// <summary>One rabbitmqctl call: about a second on an idle machine, several on a loaded 2-core one.</summary>
    private static readonly TimeSpan CtlTimeout = TimeSpan.FromSeconds(60);

    // The scripts under /usr/sbin cd to /var/lib/rabbitmq, 'su' to rabbitmq (dropping our environment's
    // effect on HOME) and redirect output to /var/log: the real scripts behind them take our environment as is.
    private const string ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    private const string CtlScript = "/usr/lib/rabbitmq/bin/rabbitmqctl";

    private readonly RabbitMqNodeFiles _files = new(config);

    public string NodeName => config.RabbitMq.NodeName;
    public RabbitMqNodeFiles Files => _files;

    /// <summary>How long the last <see cref="StartAsync"/> took to bring the node up (zero if it was already running).</summary>
    public TimeSpan LastStartDuration { get; private set; }

    public int? Pid() => Daemon.ReadPid(_files.PidFile) is { } pid && Daemon.IsRunning(pid) ? pid : null;

    /// <summary>
    /// Starts the node unless it runs, and leaves it with exactly the cluster's users, permissions and prepared
    /// topology (<see cref="RabbitMqDefinitions"/>). A new node loads them at boot and has no other user. A node
    /// with a database of its own (an earlier run, or a state folder from before the user per part) is given
    /// them again and loses every user they do not name: <c>guest</c>, the old shared user, a removed node's agent.
    /// </summary>
    public async Task StartAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var known = Directory.Exists(_files.NodeDatabaseDir);
        var wasRunning = Pid() is not null;
        SystemUsers.AllowTraverse(config.StateDir);
        if (!wasRunning)
        {
            CertificateCheck.Require(config, config.RabbitMq());
            _files.Write();
            File.Delete(_files.PidFile);
            await SystemUsers.ChownAsync(_files.BaseDir, RabbitMqNodeFiles.SystemUser, ct);
            await CommandRunner.RunAsync(ServerScript, ["-detached"], TimeSpan.FromSeconds(30),
                runAs: RabbitMqNodeFiles.SystemUser, env: _files.Environment(), workingDir: _files.BaseDir, ct: ct)
                .ContinueWith(t => t.Result.ThrowOnFailure(), ct, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            // -detached returns before the VM has even written its pid file.
            await Wait.ForAsync($"RabbitMQ node {NodeName} pid file {_files.PidFile}", _ => Task.FromResult(Pid() is not null),
                StartTimeout - clock.Elapsed, ct: ct);
        }
        var rotated = new List<string>();
        if (wasRunning)
        {
            if (File.Exists(_files.DefinitionsFile))
            {
                rotated.AddRange(RabbitMqDefinitions.ChangedPasswords(await File.ReadAllTextAsync(_files.DefinitionsFile, ct), config));
            }
            _files.WriteDefinitions();
            await SystemUsers.ChownAsync(_files.DefinitionsFile, RabbitMqNodeFiles.SystemUser, ct);
        }
        var left = StartTimeout - clock.Elapsed;
        var awaited = await CtlAsync(["await_startup", "--timeout", ((int)Math.Max(1, left.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture)],
            left + TimeSpan.FromSeconds(5), ct);
        if (!awaited.Succeeded)
        {
            throw new TimeoutException($"RabbitMQ node {NodeName} did not finish starting within {StartTimeout.TotalSeconds:0} s: {awaited.StdErr.Trim()} (logs: {_files.LogDir})");
        }
        if (wasRunning)
        {
            (await CtlAsync(["import_definitions", _files.DefinitionsFile], CtlTimeout, ct)).ThrowOnFailure();
            // A connection keeps the login it was opened with: end those of a rotated password, and the part
            // reconnects with the new one (it reads its password file again before each connect).
            foreach (var user in rotated)
            {
                (await CtlAsync(["close_all_user_connections", user, "password rotated"], CtlTimeout, ct)).ThrowOnFailure();
            }
        }
        if (known)
        {
            await RemoveOtherUsersAsync(ct);
        }
        LastStartDuration = clock.Elapsed;
    }

    /// <summary>Deletes every broker user the definitions do not name, and the shared password file of the one user there used to be.</summary>
    private async Task RemoveOtherUsersAsync(CancellationToken ct)
    {
        var listed = (await CtlAsync(["list_users", "--formatter", "json"], CtlTimeout, ct)).ThrowOnFailure();
        using var users = System.Text.Json.JsonDocument.Parse(listed.StdOut);
        var wanted = BrokerLogin.All(config).Select(l => l.User).ToHashSet();
        foreach (var user in users.RootElement.EnumerateArray().Select(u => u.GetProperty("user").GetString()).OfType<string>().Where(u => !wanted.Contains(u)))
        {
            (await CtlAsync(["delete_user", user], CtlTimeout, ct)).ThrowOnFailure();
        }
        File.Delete(config.RabbitMqPasswordFile());
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (Pid() is { } pid)
        {
            CommandResult? shutdown = null;
            try
            {
                shutdown = await CtlAsync(["shutdown"], ShutdownTimeout, ct);
            }
            catch (CommandFailedException)
            {
                // Timed out: the PID below is the way out.
            }
            if (shutdown is not { Succeeded: true } || !await Daemon.WaitForExitAsync(pid, KillGrace, ct))
            {
                await Daemon.StopAsync(pid, KillGrace, ct);
            }
        }
        if (File.Exists(_files.PidFile))
        {
            File.Delete(_files.PidFile); // its folder is absent when the node never started
        }
        await StopEpmdAsync(ct);
    }

    /// <summary>Runs rabbitmqctl against this node, as the node's user, with the node's cookie and epmd.</summary>
    public Task<CommandResult> CtlAsync(IEnumerable<string> args, TimeSpan timeout, CancellationToken ct, string? stdin = null) =>
        CommandRunner.RunAsync(CtlScript, ["-n", NodeName, .. args], timeout,
            runAs: RabbitMqNodeFiles.SystemUser, env: _files.Environment(), workingDir: _files.BaseDir, stdin: stdin, ct: ct);

    /// <summary>
    /// The VM (and every rabbitmqctl call) starts an epmd that outlives the node. It is ours because it
    /// listens on this cluster's own epmd port; it is found by that port and stopped by PID.
    /// </summary>
    private async Task StopEpmdAsync(CancellationToken ct)
    {
        foreach (var pid in ListeningSockets.PidsListeningOn(config.RabbitMq.EpmdPort))
        {
            await Daemon.StopAsync(pid, KillGrace, ct);
        }
    }
}
