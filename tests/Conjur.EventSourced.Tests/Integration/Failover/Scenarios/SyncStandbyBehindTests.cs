using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Postgres;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Tests.Fixtures;
using Xunit.Abstractions;
using static Conjur.EventSourced.Tests.Integration.Failover.Scenarios.FailoverScenario;

namespace Conjur.EventSourced.Tests.Integration.Failover.Scenarios;

/// <summary>
/// Given a healthy cluster whose master's agent is frozen (so every standby remembers the same synchronous
/// standby, the one the master last reported), when that standby detaches, the master acknowledges commits
/// with the other one alone, and then the master's Postgres dies, then the synchronous standby catches up
/// from the other (further) standby and is promoted, with every acknowledged commit.
/// </summary>
[Collection("clusters")]
public sealed class SyncStandbyBehindTests(ClusterForSyncStandbyBehind cluster, ITestOutputHelper output) : IClassFixture<ClusterForSyncStandbyBehind>
{
    [Fact]
    public async Task SyncStandbyBehindTheOther_CatchesUpFromIt_AndIsPromotedWithEveryAcknowledgedCommit()
    {
        var master = (await LeaderAsync(cluster)).ShouldNotBeNull();
        var (sync, potential) = await FailoverStandbysAsync(cluster);
        await StandbysCaughtUpAsync(cluster, master);
        await cluster.ExecuteAsync(cluster.NodeConnectionString(master), "CREATE TABLE IF NOT EXISTS behind (id int PRIMARY KEY)");
        var info = (await ClusterLauncher.InfoAsync(cluster.Config, cluster.Node(master), CancellationToken.None))!.Value;
        var agentPid = info.GetProperty("agentPid").GetInt32();
        var postgresPid = info.GetProperty("postgresPid").GetInt32();

        // Frozen, the master's agent neither renews its lease (a failover follows within the TTL) nor reports
        // that the synchronous role moves: the standbys keep remembering the standby it named last.
        Daemon.Signal(agentPid, Daemon.SigStop);
        try
        {
            await DetachAsync(sync);
            await Wait.ForAsync($"{potential} to be the synchronous standby", async _ =>
                    (string?)await cluster.ScalarAsync(cluster.NodeConnectionString(master),
                        "SELECT application_name FROM pg_stat_replication WHERE sync_state = 'sync'") == potential,
                TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(20));
            // Committed means acknowledged by the synchronous standby, now the other one alone.
            for (var id = 1; id <= 10; id++)
            {
                (await cluster.ExecuteAsync(cluster.NodeConnectionString(master), $"INSERT INTO behind VALUES ({id})")).ShouldBe(1);
            }
            Daemon.Kill(postgresPid);
            output.WriteLine($"{sync} detached; 10 commits acknowledged by {potential} alone; {master}'s Postgres killed");

            await ExplainingFailureAsync(cluster, output, () => Wait.ForAsync($"{sync} to be promoted", async c =>
                    await LeaderAsync(cluster) == sync && (await ClusterLauncher.HealthAsync(cluster.Config, cluster.Node(sync), c)).StatusCode == 200,
                TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100)));
        }
        finally
        {
            Daemon.Signal(agentPid, Daemon.SigCont);
        }

        ((long)(await cluster.ScalarAsync(cluster.NodeConnectionString(sync), "SELECT count(*) FROM behind"))!).ShouldBe(10);
        var log = await File.ReadAllTextAsync(cluster.Launcher.AgentLogFile(sync));
        log.ShouldContain($"caught up from {potential}");
        // HAProxy moves on its next check after /health turned 200; until then the load balancer has no master.
        // (A refused connection is simply "not yet": Wait treats a condition that throws as not met.)
        await Wait.ForAsync("the load balancer to route to the new master", async _ =>
                await cluster.ScalarAsync(cluster.LoadBalancerConnectionString(), "SELECT NOT pg_is_in_recovery()") is true,
            TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(100));
        await RowReachesAsync(cluster, cluster.Config.Nodes.Select(n => n.Id).Where(id => id != master && id != sync));
    }

    /// <summary>What a WAL receiver restart or a standby's own detach does for a moment: no upstream.</summary>
    private async Task DetachAsync(string node)
    {
        var conf = Path.Combine(cluster.Config.NodeDir(node), "pgdata", PostgresTools.ManagedConfFile);
        var lines = (await File.ReadAllLinesAsync(conf)).Select(l => l.StartsWith("primary_conninfo", StringComparison.Ordinal) ? "primary_conninfo = ''" : l);
        await File.WriteAllLinesAsync(conf, lines);
        await cluster.ExecuteAsync(cluster.NodeAdminConnectionString(node), "SELECT pg_reload_conf()");
    }
}
