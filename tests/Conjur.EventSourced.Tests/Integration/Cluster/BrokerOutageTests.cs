using System.Diagnostics;
using Conjur.EventSourced.Cli.Drill;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Tests.Fixtures;
using Xunit.Abstractions;
using static Conjur.EventSourced.Tests.Integration.Failover.Scenarios.FailoverScenario;

namespace Conjur.EventSourced.Tests.Integration.Cluster;

/// <summary>
/// Given a healthy cluster, when RabbitMQ is down while an agent restarts and stays down for longer than any
/// start timeout, the agent keeps its node healthy without the broker and joins the bus once it returns:
/// it consumes its command queue, so a switchover to that node works. (An agent that gave up on the
/// broker after 10 s once left a switchover waiting for a step-down nobody received.)
/// </summary>
[Collection("clusters-b")]
public sealed class BrokerOutageTests(FourNodeClusterToBreak cluster, ITestOutputHelper output) : IClassFixture<FourNodeClusterToBreak>
{
    private static readonly TimeSpan BrokerAway = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task AgentRestartedWhileTheBrokerIsDown_JoinsTheBusWhenItReturns_AndTakesASwitchover()
    {
        var target = (await cluster.StatusAsync()).Nodes.Single(n => n.Role == "standby" && n.Sync == false).Id;
        var launcher = cluster.Launcher;

        await launcher.RabbitMq.StopAsync(CancellationToken.None);
        var agentPid = Daemon.ReadPid(launcher.AgentPidFile(target)).ShouldNotBeNull();
        await Daemon.StopAsync(agentPid, TimeSpan.FromSeconds(45));
        var away = Stopwatch.StartNew();
        await launcher.StartAgentAsync(cluster.Node(target));

        // Without the broker the agent still runs its HA loop and serves /health.
        await Wait.ForAsync($"{target} to be healthy again without the broker", async c =>
            (await ClusterLauncher.HealthAsync(cluster.Node(target), c)).Healthy, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));
        if (away.Elapsed < BrokerAway)
        {
            await Task.Delay(BrokerAway - away.Elapsed);
        }
        output.WriteLine($"broker away for {away.Elapsed.TotalSeconds:0.0} s after {target}'s agent started");
        await launcher.RabbitMq.StartAsync(CancellationToken.None);

        await Wait.ForAsync("every agent to consume its command queue", async c =>
        {
            var consumers = await AgentQueueConsumersAsync(c);
            return cluster.Config.Nodes.All(n => consumers.GetValueOrDefault(AgentQueues.Name(cluster.Config.ClusterId, n.Id)) >= 1);
        }, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1));

        // The control plane learns the nodes' health again from their heartbeats.
        await Wait.ForAsync("the control plane to show every node healthy again", async _ =>
        {
            using var doc = await cluster.ControlPlaneAsync("/api/cluster");
            return doc.RootElement.GetProperty("nodes").EnumerateArray().All(n => n.GetProperty("healthy").GetBoolean());
        }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));

        var result = await DrillAsync(cluster, FaultKind.Switchover, output, to: target);
        result.Problems.ShouldBeEmpty();
        result.NewMaster.ShouldBe(target);
        result.MissingOnNewMaster.ShouldBe(0);
    }

    private async Task<Dictionary<string, int>> AgentQueueConsumersAsync(CancellationToken ct)
    {
        var listed = await cluster.Launcher.RabbitMq.CtlAsync(
            ["list_queues", "-p", cluster.Config.RabbitMq.VirtualHost, "--quiet", "--no-table-headers", "name", "consumers"],
            TimeSpan.FromSeconds(20), ct);
        if (!listed.Succeeded)
        {
            return [];
        }
        return listed.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('\t'))
            .Where(f => f.Length == 2 && int.TryParse(f[1], out _))
            .ToDictionary(f => f[0], f => int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
