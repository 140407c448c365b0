using System.Diagnostics;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Tests.Fixtures;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Integration.Cluster;

/// <summary>
/// Given a running cluster, when RabbitMQ is down while an agent restarts and stays down for longer than any
/// start timeout, the agent keeps its node healthy without the broker and joins the bus once it returns: it
/// consumes its command queue and its heartbeats reach the control plane. (An agent that gave up on the
/// broker after 10 s once left a switchover waiting for a step-down nobody received.)
/// </summary>
[Collection("clusters-b")]
public sealed class BrokerOutageTests(MasterWithFollowerForBrokerOutage cluster, ITestOutputHelper output) : IClassFixture<MasterWithFollowerForBrokerOutage>
{
    private static readonly TimeSpan BrokerAway = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task AgentRestartedWhileTheBrokerIsDown_JoinsTheBusWhenItReturns()
    {
        const string node = "node2";
        var launcher = cluster.Launcher;

        await launcher.RabbitMq.StopAsync(CancellationToken.None);
        var agentPid = Daemon.ReadPid(launcher.AgentPidFile(node)).ShouldNotBeNull();
        await Daemon.StopAsync(agentPid, TimeSpan.FromSeconds(45));
        var away = Stopwatch.StartNew();
        await launcher.StartAgentAsync(cluster.Node(node));

        // Without the broker the agent still runs its HA loop and serves /health.
        await Wait.ForAsync($"{node} to be healthy again without the broker", async c =>
            (await ClusterLauncher.HealthAsync(cluster.Config, cluster.Node(node), c)).Healthy, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));
        // Time itself is the condition here: the broker must stay away longer than the 10 s start timeout
        // that once stopped an agent's bus for good.
        if (away.Elapsed < BrokerAway)
        {
            await Task.Delay(BrokerAway - away.Elapsed);
        }
        output.WriteLine($"broker away for {away.Elapsed.TotalSeconds:0.0} s after {node}'s agent started");
        await launcher.RabbitMq.StartAsync(CancellationToken.None);
        var back = DateTimeOffset.UtcNow;

        await Wait.ForAsync("every agent to consume its command queue", async c =>
        {
            var consumers = await AgentQueueConsumersAsync(c);
            return cluster.Config.Nodes.All(n => consumers.GetValueOrDefault(AgentQueues.Name(cluster.Config.ClusterId, n.Id)) >= 1);
        }, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1));
        output.WriteLine($"every agent consumes its queue {(DateTimeOffset.UtcNow - back).TotalSeconds:0.0} s after the broker returned");

        await Wait.ForAsync($"the control plane to receive {node}'s heartbeats again", async _ =>
        {
            using var doc = await cluster.ControlPlaneAsync("/api/cluster");
            var seen = doc.RootElement.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("id").GetString() == node);
            return seen.GetProperty("healthy").GetBoolean()
                && seen.GetProperty("lastHeartbeatAt").GetDateTimeOffset() > back;
        }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));
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
