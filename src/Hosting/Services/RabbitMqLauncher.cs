using System.Diagnostics;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Services;

/// <summary>
/// Runs the cluster's single RabbitMQ node from Debian's package, as user <c>rabbitmq</c>, with every
/// file under <c>{StateDir}/rabbitmq</c> and its own epmd on loopback; stops both by PID.
/// </summary>
public sealed class RabbitMqLauncher(ClusterConfig config)
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(5);

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

    public async Task StartAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        if (Pid() is null)
        {
            SystemUsers.AllowTraverse(config.StateDir);
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
        var left = StartTimeout - clock.Elapsed;
        var awaited = await CtlAsync(["await_startup", "--timeout", ((int)Math.Max(1, left.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture)],
            left + TimeSpan.FromSeconds(5), ct);
        if (!awaited.Succeeded)
        {
            throw new TimeoutException($"RabbitMQ node {NodeName} did not finish starting within {StartTimeout.TotalSeconds:0} s: {awaited.StdErr.Trim()} (logs: {_files.LogDir})");
        }
        LastStartDuration = clock.Elapsed;
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
    public Task<CommandResult> CtlAsync(IEnumerable<string> args, TimeSpan timeout, CancellationToken ct) =>
        CommandRunner.RunAsync(CtlScript, ["-n", NodeName, .. args], timeout,
            runAs: RabbitMqNodeFiles.SystemUser, env: _files.Environment(), workingDir: _files.BaseDir, ct: ct);

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
