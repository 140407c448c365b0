using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Conjur.EventSourced.Cli.ControlPlaneApi;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Cli.Drill;

/// <summary><c>cluster drill</c>: fault the master of the running cluster and measure the failover, once or N times.</summary>
public static class DrillCommand
{
    public static Command Create()
    {
        var fault = new Option<string>("--fault") { Description = "node (kill -9 agent and postmaster) | postgres (kill -9 postmaster) | freeze (SIGSTOP agent) | switchover (planned, needs --to)", DefaultValueFactory = _ => "node" };
        fault.AcceptOnlyFromAmong([.. DrillOptions.FaultNames]);
        var to = new Option<string?>("--to") { Description = "Switchover target" };
        var victim = new Option<string?>("--victim") { Description = "Refuse to run unless this node is the master" };
        var expect = new Option<string?>("--expect") { Description = "The node that should become master (a different winner is a problem)" };
        var runs = new Option<int>("--runs") { Description = "Repeat the drill; the old master is re-enrolled between runs", DefaultValueFactory = _ => 1 };
        var fresh = new Option<bool>("--fresh") { Description = "Between runs, tear the cluster down (wiping its data) and bring up a new one instead of re-enrolling" };
        var leaveFenced = new Option<bool>("--leave-fenced") { Description = "After the last run, leave the old master as the fault left it (by default it is re-enrolled as a standby, as between runs)" };
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON document" };
        var timeout = new Option<double>("--timeout") { Description = "Bound of each stage, seconds", DefaultValueFactory = _ => 60 };
        var writeTimeout = new Option<double>("--write-timeout") { Description = "A commit slower than this counts as refused (timeout), seconds", DefaultValueFactory = _ => 5 };
        var cmd = new Command("drill", "Fault the master while writing through the load balancer, and time every stage of the failover")
        {
            fault, to, victim, expect, runs, fresh, leaveFenced, json, timeout, writeTimeout,
        };
        cmd.SetAction(async (parse, ct) => await Program.Guarded(async () =>
        {
            var config = ClusterConfig.Load(Path.Combine(Program.StateDir(parse), "cluster.json"));
            var options = new DrillOptions
            {
                Fault = DrillOptions.ParseFault(parse.GetValue(fault)) ?? FaultKind.Node,
                To = parse.GetValue(to),
                Victim = parse.GetValue(victim),
                Expect = parse.GetValue(expect),
                Runs = parse.GetValue(runs),
                Fresh = parse.GetValue(fresh),
                LeaveFenced = parse.GetValue(leaveFenced),
                Json = parse.GetValue(json),
                StageTimeout = Seconds(parse.GetValue(timeout)),
                WriteTimeout = Seconds(parse.GetValue(writeTimeout)),
            };
            var errors = options.Validate(config);
            if (errors.Count > 0)
            {
                await Console.Error.WriteLineAsync("cluster drill: " + string.Join(Environment.NewLine + "cluster drill: ", errors));
                return 2;
            }
            var report = await RunAsync(config, options, Progress(options), ct);
            Console.WriteLine(options.Json ? JsonSerializer.Serialize(report, DrillReport.Json) : report.Text());
            return report.Clean ? 0 : 1;
        }));
        return cmd;
    }

    /// <summary>Runs the drill <see cref="DrillOptions.Runs"/> times, restoring a healthy cluster before each run.</summary>
    public static async Task<DrillReport> RunAsync(ClusterConfig config, DrillOptions options, Action<string> progress, CancellationToken ct)
    {
        var results = new List<DrillRunResult>();
        using var controlPlane = new ControlPlaneClient(config);
        for (var run = 1; run <= options.Runs; run++)
        {
            if (run == 1)
            {
                // A short bound: the drill does not repair a cluster it finds broken, it only rides out a slow moment.
                await ClusterReadiness.WaitHealthyAsync(config, TimeSpan.FromSeconds(30), progress, ct);
            }
            else if (options.Fresh)
            {
                var launcher = new ClusterLauncher(config, m => progress($"  {m}"));
                progress("tearing the cluster down for a fresh one");
                await launcher.DownAsync(wipe: true, ct);
                await launcher.UpAsync(ct);
                await ClusterReadiness.WaitHealthyAsync(config, options.HealthyTimeout, progress, ct);
            }
            else
            {
                await ClusterReadiness.RestoreAsync(new ClusterLauncher(config), results[^1].OldMaster, controlPlane, options.HealthyTimeout, progress, ct);
            }
            var result = await new DrillRun(new ClusterLauncher(config), options, progress).ExecuteAsync(run, ct);
            results.Add(result);
            if (!options.Json)
            {
                progress(DrillReport.RunLine(result));
            }
        }
        if (!options.LeaveFenced && results.Count > 0)
        {
            // Leave the cluster as whole as the drill found it, with its new master: the next drill (or a real
            // failure) then finds two standbys, not a fenced node an operator must remember to re-enrol.
            try
            {
                await ClusterReadiness.RestoreAsync(new ClusterLauncher(config), results[^1].OldMaster, controlPlane, options.HealthyTimeout, progress, ct);
            }
            catch (Exception e) when (e is DrillException or TimeoutException)
            {
                progress($"could not bring {results[^1].OldMaster} back as a standby: {e.Message} (./cluster reenroll {results[^1].OldMaster})");
            }
        }
        return DrillReport.From(config.ClusterId, options.Fault.ToString().ToLowerInvariant(), results);
    }

    private static TimeSpan Seconds(double s) => double.IsFinite(s) && s > 0 ? TimeSpan.FromSeconds(Math.Min(s, 3600)) : TimeSpan.Zero;

    private static Action<string> Progress(DrillOptions options) => m =>
    {
        // With --json, stdout holds only the document: progress goes to stderr.
        var line = $"{DateTime.Now.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} {m}";
        if (options.Json)
        {
            Console.Error.WriteLine(line);
        }
        else
        {
            Console.WriteLine(line);
        }
    };
}
