using Conjur.EventSourced.Cli.ControlPlaneApi;
using Conjur.EventSourced.Cli.Drill;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Tests.Fixtures;
using Xunit.Abstractions;
using static Conjur.EventSourced.Tests.Integration.Failover.Scenarios.FailoverScenario;

namespace Conjur.EventSourced.Tests.Integration.Failover.Scenarios;

/// <summary>
/// Given a healthy four-node cluster and a writer acknowledging inserts through the load balancer,
/// when the master fails, then the synchronous standby becomes master within the bound, no acknowledged
/// write is missing, the old master takes no write, and the others follow the new master.
/// </summary>
public static class AutomaticFailover
{
    public static async Task<DrillRunResult> RunAsync(RunningCluster cluster, FaultKind fault, ITestOutputHelper output)
    {
        var (sync, _) = await FailoverStandbysAsync(cluster);
        var result = await DrillAsync(cluster, fault, output);

        result.Problems.ShouldBeEmpty();
        // Also when the other standby received more WAL before the master died: the synchronous standby first
        // streams the rest from it (docs/failover.md, "The furthest standby").
        await ExplainingFailureAsync(cluster, output, () =>
        {
            result.NewMaster.ShouldBe(sync);
            return Task.CompletedTask;
        });
        result.WriteOutageMs.ShouldNotBeNull();
        result.WriteOutageMs.Value.ShouldBeLessThan(OutageBound.TotalMilliseconds);
        result.MissingOnNewMaster.ShouldBe(0);
        result.AcksFromOldMasterAfterPromotion.ShouldBe(0);
        result.Acknowledged.ShouldBeGreaterThan(0);
        await OldMasterRefusesWritesAsync(cluster, result.OldMaster);

        var others = cluster.Config.Nodes.Select(n => n.Id).Where(id => id != result.NewMaster && id != result.OldMaster).ToList();
        await SagaShowsEveryStepAsync(cluster, result.FailoverId.ShouldNotBeNull(), replicas: others.Count);
        await RowReachesAsync(cluster, others);
        return result;
    }
}

[Collection("clusters")]
public sealed class MasterPostgresKilledTests(ClusterForPostgresCrash cluster, ITestOutputHelper output) : IClassFixture<ClusterForPostgresCrash>
{
    [Fact]
    public async Task MasterPostgresKilled_SyncStandbyPromoted_NothingLost_OldMasterFenced()
    {
        var result = await AutomaticFailover.RunAsync(cluster, FaultKind.Postgres, output);

        // Its agent lives: removed from the members, it says it is fenced.
        await Wait.ForAsync($"{result.OldMaster} to report itself fenced", async c =>
                (await ClusterLauncher.HealthAsync(cluster.Config, cluster.Node(result.OldMaster), c)).Body?.GetProperty("ha").GetProperty("fenced").GetBoolean() == true,
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
        (await EtcdViewAsync(cluster)).Member(result.OldMaster).ShouldBeNull();

        // At once, as an operator would: the new master has not checkpointed on its new timeline yet, and
        // pg_rewind reads the timeline from the checkpoint (a rewind that found "nothing to do" here once left
        // a standby that could not follow).
        using (var controlPlane = new ControlPlaneClient(cluster.Config))
        {
            await controlPlane.ReenrollAsync(result.OldMaster, CancellationToken.None);
        }
        await Wait.ForAsync($"{result.OldMaster} to stream from {result.NewMaster} as a standby", async c =>
            {
                var health = await ClusterLauncher.HealthAsync(cluster.Config, cluster.Node(result.OldMaster), c);
                return health.Role == "standby" && health.Healthy;
            },
            TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));
        await RowReachesAsync(cluster, [result.OldMaster]);
    }
}

[Collection("clusters")]
public sealed class MasterNodeKilledTests(ClusterForNodeDeath cluster, ITestOutputHelper output) : IClassFixture<ClusterForNodeDeath>
{
    [Fact]
    public async Task MasterNodeKilled_SyncStandbyPromotedAfterTheLease_NothingLost()
    {
        var result = await AutomaticFailover.RunAsync(cluster, FaultKind.Node, output);

        // The lease ran out rather than being revoked: the deletion comes about a TTL after the kill.
        result.LeaderDeletedMs.ShouldNotBeNull();
        result.LeaderDeletedMs.Value.ShouldBeGreaterThan(cluster.Config.Failover.LeaseTtlSeconds * 1000 * 0.5);
    }
}

[Collection("clusters")]
public sealed class MasterAgentFrozenTests(ClusterForFrozenAgent cluster, ITestOutputHelper output) : IClassFixture<ClusterForFrozenAgent>
{
    [Fact]
    public async Task MasterAgentFrozen_SyncStandbyPromoted_OldMasterFencesItselfOnWaking()
    {
        var result = await AutomaticFailover.RunAsync(cluster, FaultKind.Freeze, output);

        // The drill woke the agent (SIGCONT): it finds itself removed and stops its Postgres.
        await Wait.ForAsync($"{result.OldMaster} to report itself fenced", async c =>
                (await ClusterLauncher.HealthAsync(cluster.Config, cluster.Node(result.OldMaster), c)).Body?.GetProperty("ha").GetProperty("fenced").GetBoolean() == true,
            TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(200));
        (await ClusterLauncher.HealthAsync(cluster.Config, cluster.Node(result.OldMaster), CancellationToken.None)).StatusCode.ShouldBe(503);
    }
}
