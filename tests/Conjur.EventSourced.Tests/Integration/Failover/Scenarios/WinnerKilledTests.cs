using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Tests.Fixtures;
using Xunit.Abstractions;
using static Conjur.EventSourced.Tests.Integration.Failover.Scenarios.FailoverScenario;

namespace Conjur.EventSourced.Tests.Integration.Failover.Scenarios;

/// <summary>
/// Given a healthy cluster whose control plane is briefly away (so the winner cannot be promoted at once),
/// when the master's Postgres dies and the standby that won the promotion lock dies too, then its lock
/// lease runs out and the next eligible standby is promoted by the same failover saga.
/// </summary>
[Collection("clusters")]
public sealed class WinnerKilledTests(ClusterForWinnerDeath cluster, ITestOutputHelper output) : IClassFixture<ClusterForWinnerDeath>
{
    [Fact]
    public async Task WinnerKilledRightAfterTakingTheLock_NextEligibleStandbyPromoted()
    {
        var master = (await LeaderAsync(cluster)).ShouldNotBeNull();
        var cp = cluster.Launcher.ControlPlanePid.ShouldNotBeNull();
        await Daemon.StopAsync(cp, TimeSpan.FromSeconds(15));
        // Both standbys as far as each other, so the second is eligible when the first dies.
        await StandbysCaughtUpAsync(cluster, master);

        await BlockedFailover.KillMasterPostgresAsync(cluster, master);
        string? winner = null;
        await Wait.ForAsync("a standby to win the promotion lock", async _ => (winner = (await EtcdViewAsync(cluster)).PromotionLockHolder) is not null,
            TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(20));
        var info = (await ClusterLauncher.InfoAsync(cluster.Config, cluster.Node(winner!), CancellationToken.None))!.Value;
        Daemon.Kill(info.GetProperty("agentPid").GetInt32());
        Daemon.Kill(info.GetProperty("postgresPid").GetInt32());
        output.WriteLine($"killed the lock winner {winner}");

        await cluster.Launcher.StartControlPlaneAsync();
        var next = cluster.Config.FailoverStandbys.Select(n => n.Id).Single(id => id != winner && id != master);
        await ExplainingFailureAsync(cluster, output, () => Wait.ForAsync($"{next} to be promoted", async c =>
                await LeaderAsync(cluster) == next && (await ClusterLauncher.HealthAsync(cluster.Config, cluster.Node(next), c)).StatusCode == 200,
            TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200)));

        // The next standby may have promoted itself before the restarted control plane read its queue: wait for the saga.
        await Wait.ForAsync("the control plane to record the failover", async _ => (await FailoversAsync(cluster)).Count > 0,
            TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));
        var failover = (await FailoversAsync(cluster)).Single();
        var id = failover.GetProperty("id").GetGuid();
        await Wait.ForAsync("the saga to complete", async _ => (await SagaAsync(cluster, id)).State == "Completed",
            TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(250));
        var (_, steps) = await SagaAsync(cluster, id);
        output.WriteLine(string.Join(", ", steps));
        // Whether the dead winner's PromotionLockAcquired reached the bus before it died decides whether the saga
        // shows a replaced candidate or starts with the next one: either way the next standby is the new master.
        steps.ShouldContain("promotion_confirmed");
        (await FailoversAsync(cluster)).Single().GetProperty("newMaster").GetString().ShouldBe(next);
        (await EtcdViewAsync(cluster)).Member(master).ShouldBeNull();
        await OldMasterRefusesWritesAsync(cluster, master);
    }
}
