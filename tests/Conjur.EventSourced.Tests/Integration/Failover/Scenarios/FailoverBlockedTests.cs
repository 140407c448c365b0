using System.Text.Json;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Tests.Fixtures;
using Xunit.Abstractions;
using static Conjur.EventSourced.Tests.Integration.Failover.Scenarios.FailoverScenario;

namespace Conjur.EventSourced.Tests.Integration.Failover.Scenarios;

/// <summary>Given a cluster where the seed's preconditions fail, when the master's Postgres dies, nothing is promoted and the master comes back.</summary>
public static class BlockedFailover
{
    public static async Task<int> KillMasterPostgresAsync(RunningCluster cluster, string master)
    {
        var info = await ClusterLauncher.InfoAsync(cluster.Config, cluster.Node(master), CancellationToken.None);
        var pid = info!.Value.GetProperty("postgresPid").GetInt32();
        Daemon.Kill(pid);
        return pid;
    }

    public static async Task BlockedThenMasterReturnsAsync(RunningCluster cluster, string master, string reasonFragment, ITestOutputHelper output)
    {
        await Wait.ForAsync("a FailoverBlocked fact in the cluster's stream", async _ =>
            (await ClusterEventTypesAsync(cluster)).Any(t => t.Contains("blocked", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(200));
        using (var doc = await cluster.ControlPlaneAsync("/api/cluster/events"))
        {
            var blocked = doc.RootElement.GetProperty("events").EnumerateArray()
                .First(e => e.GetProperty("type").GetString()!.Contains("blocked", StringComparison.Ordinal));
            output.WriteLine(blocked.GetRawText());
            blocked.GetRawText().ShouldContain(reasonFragment);
        }

        // The master's agent restarts its Postgres after the restart delay and leads again: same node, nothing promoted.
        await Wait.ForAsync($"{master} to lead again", async c =>
            await LeaderAsync(cluster) == master && (await ClusterLauncher.HealthAsync(cluster.Config, cluster.Node(master), c)).StatusCode == 200,
            TimeSpan.FromSeconds(40), TimeSpan.FromMilliseconds(200));
        (await FailoversAsync(cluster)).ShouldBeEmpty();
        (await EtcdViewAsync(cluster)).PromotionLockHolder.ShouldBeNull();
    }
}

// In the second lane: the first holds more clusters, and a blocked failover has no step deadline to miss.
[Collection("clusters-b")]
public sealed class OneStandbyStoppedTests(ClusterWithOneStandbyStopped cluster, ITestOutputHelper output) : IClassFixture<ClusterWithOneStandbyStopped>
{
    [Fact]
    public async Task OneStandbyStopped_MasterPostgresKilled_FailoverBlocked_MasterReturns_NothingPromotedLater()
    {
        var master = (await LeaderAsync(cluster)).ShouldNotBeNull();
        var status = await cluster.StatusAsync();
        var potential = status.Nodes.Single(n => n.Role == "standby" && n.Sync == false).Id;
        await cluster.Launcher.StopNodeAsync(cluster.Node(potential), CancellationToken.None);
        await Wait.ForAsync($"{potential}'s alive key to go", async _ => !(await EtcdViewAsync(cluster)).Alive.Contains(potential),
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));

        await BlockedFailover.KillMasterPostgresAsync(cluster, master);

        await BlockedFailover.BlockedThenMasterReturnsAsync(cluster, master, "failover standby operational", output);

        // The stopped standby comes back: still nothing is promoted, the master stays.
        await cluster.Launcher.StartAgentAsync(cluster.Node(potential));
        await Wait.ForAsync($"{potential} to stream again", async c => (await ClusterLauncher.HealthAsync(cluster.Config, cluster.Node(potential), c)).Healthy,
            TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));
        (await LeaderAsync(cluster)).ShouldBe(master);
        (await FailoversAsync(cluster)).ShouldBeEmpty();
    }
}

[Collection("clusters")]
public sealed class SyncStandbyDownTests(ClusterLosingItsSyncStandby cluster, ITestOutputHelper output) : IClassFixture<ClusterLosingItsSyncStandby>
{
    [Fact]
    public async Task SyncStandbyAndMasterPostgresDieTogether_FailoverBlocked_MasterReturns()
    {
        var master = (await LeaderAsync(cluster)).ShouldNotBeNull();
        var sync = await SyncStandbyAsync(cluster);
        // The standbys learn which one is synchronous from the master's status in etcd, at their next cycle: a fault
        // in the first second after the cluster came up would find them knowing none, a reason of its own.
        await Wait.ForAsync($"{master}'s status in etcd to name {sync} as its synchronous standby", async _ =>
                (await EtcdViewAsync(cluster)).Status(master)?.SyncStandby == sync,
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
        var named = DateTimeOffset.UtcNow;
        var other = cluster.Config.FailoverStandbys.Select(n => n.Id).Single(id => id != master && id != sync);
        await Wait.ForAsync($"{other} to run a cycle since", async c =>
                (await ClusterLauncher.HealthAsync(cluster.Config, cluster.Node(other), c)).Body?.GetProperty("ha").GetProperty("updated_at").GetDateTimeOffset() > named,
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
        var syncInfo = (await ClusterLauncher.InfoAsync(cluster.Config, cluster.Node(sync), CancellationToken.None))!.Value;

        // The synchronous standby's node dies (agent and Postgres) as the master's Postgres crashes.
        Daemon.Kill(syncInfo.GetProperty("agentPid").GetInt32());
        Daemon.Kill(syncInfo.GetProperty("postgresPid").GetInt32());
        await BlockedFailover.KillMasterPostgresAsync(cluster, master);

        await BlockedFailover.BlockedThenMasterReturnsAsync(cluster, master, $"synchronous standby {sync}", output);
    }
}
