using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Tests.Fixtures;

namespace Conjur.EventSourced.Tests.Integration.Cluster;

/// <summary>Given a healthy cluster, when the synchronous standby's Postgres dies, writes go on through the other standby.</summary>
[Collection("clusters-b")]
public sealed class SyncStandbyLossTests(FourNodeClusterToBreak cluster) : IClassFixture<FourNodeClusterToBreak>
{
    [Fact]
    public async Task SyncStandbyPostgresKilled_SeenUnhealthy_OtherStandbyBecomesSync_WritesGoOn_DownLeavesNothing()
    {
        var before = await cluster.StatusAsync();
        var victim = before.Nodes.Single(n => n.Sync == true);
        var other = before.Nodes.Single(n => n.Role == "standby" && n.Sync == false);

        Daemon.Kill(victim.PostgresPid!.Value);

        await Wait.ForAsync("the master's replication_status to turn unhealthy", async c =>
        {
            var master = await ClusterLauncher.HealthAsync(cluster.Config, cluster.Node("node1"), c);
            return !master.Body!.Value.GetProperty("database").GetProperty("replication_status").GetProperty("ok").GetBoolean();
        }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100));
        await Wait.ForAsync("the control plane to see the victim unhealthy", async _ =>
        {
            using var doc = await cluster.ControlPlaneAsync("/api/cluster");
            return doc.RootElement.GetProperty("nodes").EnumerateArray()
                .Single(n => n.GetProperty("id").GetString() == victim.Id).GetProperty("healthy").GetBoolean() == false;
        }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100));

        await Wait.ForAsync($"{other.Id} to become the synchronous standby", async _ =>
            (await cluster.StatusAsync()).Nodes.Single(n => n.Id == other.Id).Sync == true, TimeSpan.FromSeconds(10));
        await cluster.ExecuteAsync(cluster.LoadBalancerConnectionString(), "CREATE TABLE IF NOT EXISTS after_loss (id int)");
        (await cluster.ExecuteAsync(cluster.LoadBalancerConnectionString(), "INSERT INTO after_loss VALUES (1)")).ShouldBe(1);

        // The agent restarts its Postgres after a pause, and the node streams again.
        await Wait.ForAsync($"{victim.Id} to be healthy again", async c =>
            (await ClusterLauncher.HealthAsync(cluster.Config, cluster.Node(victim.Id), c)).Healthy, TimeSpan.FromSeconds(60));

        await cluster.Launcher.DownAsync(wipe: false, CancellationToken.None);
        cluster.Launcher.RunningPids().ShouldBeEmpty();
    }
}
