using Conjur.EventSourced.Cli.Drill;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Tests.Fixtures;
using Xunit.Abstractions;
using static Conjur.EventSourced.Tests.Integration.Failover.Scenarios.FailoverScenario;

namespace Conjur.EventSourced.Tests.Integration.Failover.Scenarios;

/// <summary>Given a healthy cluster and a writer, when an operator switches the master over to the potential standby, no acknowledged write is lost and the old master becomes its standby.</summary>
[Collection("clusters")]
public sealed class SwitchoverTests(ClusterForSwitchover cluster, ITestOutputHelper output) : IClassFixture<ClusterForSwitchover>
{
    [Fact]
    public async Task PlannedSwitchover_NoAcknowledgedWriteLost_OldMasterFollowsTheNewOne()
    {
        var target = (await cluster.StatusAsync()).Nodes.Single(n => n.Role == "standby" && n.Sync == false).Id;

        var result = await DrillAsync(cluster, FaultKind.Switchover, output, to: target);

        result.Problems.ShouldBeEmpty();
        result.NewMaster.ShouldBe(target);
        result.MissingOnNewMaster.ShouldBe(0);
        result.AcksFromOldMasterAfterPromotion.ShouldBe(0);
        result.WriteOutageMs.ShouldNotBeNull();
        result.WriteOutageMs.Value.ShouldBeLessThan(OutageBound.TotalMilliseconds);
        output.WriteLine($"switchover write outage: {result.WriteOutageMs:0} ms");

        await Wait.ForAsync($"{result.OldMaster} to stream from {target} as a standby", async c =>
            {
                var health = await ClusterLauncher.HealthAsync(cluster.Config, cluster.Node(result.OldMaster), c);
                return health.Role == "standby" && health.Healthy;
            },
            TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(250));
        // The old master streams a moment before the saga has consumed its NodeReenrolled (seconds under load).
        var failoverId = result.FailoverId.ShouldNotBeNull();
        await Wait.ForAsync("the switchover saga to complete", async _ => (await SagaAsync(cluster, failoverId)).State is "Completed" or "Failed",
            TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));
        var (state, steps) = await SagaAsync(cluster, failoverId);
        output.WriteLine(string.Join(", ", steps));
        state.ShouldBe("Completed");
        // The target may win the lock before the old master's answer arrives: both orders are fine.
        steps.ShouldContain("step_down_requested");
        steps.ShouldContain("reenroll_confirmed");
        await RowReachesAsync(cluster, cluster.Config.Nodes.Select(n => n.Id).Where(id => id != target));
    }
}
