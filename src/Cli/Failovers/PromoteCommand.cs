using System.CommandLine;
using System.Globalization;
using Conjur.EventSourced.Cli.ControlPlaneApi;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Cli.Failovers;

/// <summary>
/// <c>cluster promote NODE --force</c>: make a node master although the automatic preconditions do not
/// hold (the master and every synchronous standby are lost). It can lose acknowledged writes, so it
/// refuses without <c>--force</c> and says what may be lost before it acts.
/// </summary>
public static class PromoteCommand
{
    public static Command Create()
    {
        var node = new Argument<string>("NODE") { Description = "The node to promote" };
        var force = new Option<bool>("--force") { Description = "Required: acknowledge that writes not on NODE are lost" };
        var timeout = FailoverOptions.Timeout();
        var cmd = new Command("promote", "Forced promotion of a standby when the master and every synchronous standby are lost (may lose writes)") { node, force, timeout };
        cmd.SetAction(async (parse, ct) => await Program.Guarded(async () =>
        {
            var config = ClusterConfig.Load(Path.Combine(Program.StateDir(parse), "cluster.json"));
            var target = config.Node(parse.GetValue(node)!);
            if (!parse.GetValue(force))
            {
                await Console.Error.WriteLineAsync(
                    $"cluster: refusing to promote {target.Id} without --force: a forced promotion skips the safety checks and can lose " +
                    "acknowledged writes. Use 'switchover --to NODE' while the master is alive; re-run with --force only when the master " +
                    "and every synchronous standby are gone.");
                return 2;
            }
            var health = await ClusterLauncher.HealthAsync(config, target, ct);
            await Console.Error.WriteLineAsync(Warning(target.Id, health));
            using var client = new ControlPlaneClient(config);
            var id = await client.PromoteAsync(target.Id, force: true, ct);
            Console.WriteLine($"forced promotion of {target.Id} accepted: failover {id}");
            return await FailoverOptions.FollowAsync(client, id, parse.GetValue(timeout), ct);
        }));
        return cmd;
    }

    /// <summary>The data-loss warning, naming what may be lost with the figures the node reports of itself.</summary>
    public static string Warning(string node, NodeHealth health)
    {
        var lag = health.ReplicationLagBytes is { } b ? $"{b.ToString(CultureInfo.InvariantCulture)} bytes of WAL behind the master at its last report" : "an unknown amount behind (its /health did not say)";
        return string.Join(Environment.NewLine,
            "!!! FORCED PROMOTION: ACKNOWLEDGED WRITES MAY BE LOST !!!",
            $"  {node} becomes master without the promotion lock or the failover preconditions.",
            $"  {node} is {lag}.",
            "  Lost for good: every commit the old master acknowledged after the last WAL record that reached",
            $"  {node} (policy loads, secret updates, API key rotations), and audit records stored only on the old master.",
            "  The old master and any standby that had those records must be re-enrolled (rewound) and will drop them.",
            $"  {node}'s own /health: {(health.StatusCode == 0 ? health.Error : $"{health.Role}, status {health.StatusCode}")}.");
    }
}
