using System.CommandLine;
using Conjur.EventSourced.Cli.ControlPlaneApi;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Cli.Failovers;

/// <summary><c>cluster reenroll NODE</c>: bring a fenced or removed node back as a standby of the current master.</summary>
public static class ReenrollCommand
{
    public static Command Create()
    {
        var node = new Argument<string>("NODE") { Description = "The node to re-enrol (typically the old master after a failover)" };
        var wait = new Option<bool>("--wait") { Description = "Wait until the node reports healthy" };
        var timeout = FailoverOptions.Timeout();
        var cmd = new Command("reenroll", "Re-enrol a fenced or removed node as a standby of the current master") { node, wait, timeout };
        cmd.SetAction(async (parse, ct) => await Program.Guarded(async () =>
        {
            var config = ClusterConfig.Load(Path.Combine(Program.StateDir(parse), "cluster.json"));
            var target = config.Node(parse.GetValue(node)!);
            using var client = new ControlPlaneClient(config);
            var answer = await client.ReenrollAsync(target.Id, ct);
            Console.WriteLine($"re-enrolment of {target.Id} accepted{(answer is { } a ? ": " + a.GetRawText() : "")}");
            if (!parse.GetValue(wait))
            {
                return 0;
            }
            var seconds = parse.GetValue(timeout);
            var bound = TimeSpan.FromSeconds(double.IsFinite(seconds) && seconds > 0 ? Math.Min(seconds, 3600) : 120);
            if (await Wait.UntilAsync(async c => (await ClusterLauncher.HealthAsync(config, target, c)).Healthy, bound, TimeSpan.FromMilliseconds(250), ct))
            {
                var h = await ClusterLauncher.HealthAsync(config, target, ct);
                Console.WriteLine($"{target.Id} is healthy as {h.Role}");
                return 0;
            }
            await Console.Error.WriteLineAsync($"cluster: {target.Id} did not report healthy within {bound.TotalSeconds:0} s: './cluster status'");
            return 1;
        }));
        return cmd;
    }
}
