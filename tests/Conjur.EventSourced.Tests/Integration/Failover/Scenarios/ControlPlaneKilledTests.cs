using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Tests.Fixtures;
using Xunit.Abstractions;
using static Conjur.EventSourced.Tests.Integration.Failover.Scenarios.FailoverScenario;

namespace Conjur.EventSourced.Tests.Integration.Failover.Scenarios;

/// <summary>
/// Given a healthy cluster with acknowledged writes, when the master's Postgres dies and the control plane
/// is killed (kill -9) as the saga starts, then the lock winner promotes itself and takes writes while the
/// control plane is still down (it is not a single point of failure), and after the control plane restarts
/// the failover completes and every acknowledged write is on the new master.
/// </summary>
[Collection("clusters")]
public sealed class ControlPlaneKilledTests(ClusterForControlPlaneDeath cluster, ITestOutputHelper output) : IClassFixture<ClusterForControlPlaneDeath>
{
    [Fact]
    public async Task ControlPlaneKilledDuringTheSaga_FailoverCompletesAfterItRestarts()
    {
        var master = (await LeaderAsync(cluster)).ShouldNotBeNull();
        var (sync, potential) = await FailoverStandbysAsync(cluster);
        await cluster.ExecuteAsync(cluster.LoadBalancerConnectionString(), "CREATE TABLE acked (id int primary key)");
        for (var i = 0; i < 200; i++)
        {
            await cluster.ExecuteAsync(cluster.LoadBalancerConnectionString(), $"INSERT INTO acked VALUES ({i})");
        }

        await BlockedFailover.KillMasterPostgresAsync(cluster, master);
        await Wait.ForAsync("a standby to win the promotion lock", async _ => (await EtcdViewAsync(cluster)).PromotionLockHolder is not null
                || await LeaderAsync(cluster) is not null,
            TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(10));
        Daemon.Kill(cluster.Launcher.ControlPlanePid.ShouldNotBeNull());
        output.WriteLine($"control plane killed; leader now: {await LeaderAsync(cluster) ?? "none"}");

        // The synchronous standby, or the other one if it received more WAL (docs/failover.md, "The furthest standby").
        string? promoted = null;
        await Wait.ForAsync("a failover standby to be master without the control plane", async _ =>
                (promoted = await LeaderAsync(cluster)) == sync || promoted == potential,
            TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(50));
        output.WriteLine($"{promoted} promoted itself (synchronous standby: {sync})");
        await Wait.ForAsync("a write through the load balancer while the control plane is down", async _ =>
            {
                try
                {
                    await cluster.ExecuteAsync(cluster.LoadBalancerConnectionString(), "INSERT INTO acked VALUES (200) ON CONFLICT DO NOTHING");
                    return true;
                }
                catch (Npgsql.NpgsqlException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));

        await cluster.Launcher.StartControlPlaneAsync();
        await Wait.ForAsync("the failover saga to complete after the restart", async _ =>
            {
                var list = await FailoversAsync(cluster);
                return list.Count == 1 && list[0].GetProperty("state").GetString() == "Completed";
            },
            TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(250));

        (await LeaderAsync(cluster)).ShouldBe(promoted);
        (await cluster.ScalarAsync(cluster.NodeConnectionString(promoted!), "SELECT count(*) FROM acked")).ShouldBe(201L);
        await RowReachesAsync(cluster, cluster.Config.Nodes.Select(n => n.Id).Where(id => id != promoted && id != master));

        // The winner promoted itself, yet the failover is still one trace: the self-promotion continues the lock's
        // trace, so the saga's rebases that follow its answer stay in it.
        var failoverId = (await FailoversAsync(cluster)).Single().GetProperty("id").GetGuid();
        await Wait.ForAsync("one trace from the winner through the control plane to a rebased standby", async c =>
                await FailoverTrace.ReadAsync(cluster.Config, failoverId, c) is { } trace && trace.TraceIds.Count == 1
                && trace.Instances.Contains(promoted!) && trace.Instances.Contains("controlplane") && trace.Instances.Count >= 3
                && trace.Spans.Any(s => s.Name == Hosting.Telemetry.SpanTags.SelfPromotionSpan),
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500));
    }
}
