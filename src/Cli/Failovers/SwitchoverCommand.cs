using System.CommandLine;
using Conjur.EventSourced.Cli.ControlPlaneApi;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Cli.Failovers;

/// <summary><c>cluster switchover --to NODE</c>: a planned move of the master, followed step by step.</summary>
public static class SwitchoverCommand
{
    public static Command Create()
    {
        var to = new Option<string>("--to") { Description = "The standby to become master", Required = true };
        var timeout = FailoverOptions.Timeout();
        var cmd = new Command("switchover", "Move the master to another standby without losing a write (through the control plane's failover saga)") { to, timeout };
        cmd.SetAction(async (parse, ct) => await Program.Guarded(async () =>
        {
            var config = ClusterConfig.Load(Path.Combine(Program.StateDir(parse), "cluster.json"));
            var target = config.Node(parse.GetValue(to)!).Id;
            using var client = new ControlPlaneClient(config);
            var id = await client.SwitchoverAsync(target, ct);
            Console.WriteLine($"switchover to {target} accepted: failover {id}");
            return await FailoverOptions.FollowAsync(client, id, parse.GetValue(timeout), ct);
        }));
        return cmd;
    }
}
