using System.Text.Json;
using Conjur.EventSourced.Cli.Drill;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Tests.Fixtures;
using Npgsql;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Integration.Failover.Scenarios;

/// <summary>The steps the failover scenarios share: run a drill, read etcd and the saga, check the invariants.</summary>
public static class FailoverScenario
{
    /// <summary>Looser than the drill's TTL + 2 s: a loaded CI machine must not fail a correct failover.</summary>
    public static readonly TimeSpan OutageBound = TimeSpan.FromSeconds(12);

    public static async Task<DrillRunResult> DrillAsync(RunningCluster cluster, FaultKind fault, ITestOutputHelper output, string? to = null)
    {
        var options = new DrillOptions { Fault = fault, To = to, StageTimeout = TimeSpan.FromSeconds(60) };
        var result = await new DrillRun(cluster.Launcher, options, output.WriteLine).ExecuteAsync(1, CancellationToken.None);
        output.WriteLine(DrillReport.RunLine(result));
        foreach (var line in result.Timeline.Concat(result.Problems).Concat(result.ErrorSamples))
        {
            output.WriteLine("  " + line);
        }
        return result;
    }

    public static async Task<string?> LeaderAsync(RunningCluster cluster)
    {
        using var etcd = EtcdSession.For(cluster.Config, cluster.Config.Operator(), cluster.Config.EtcdOperatorCredentials());
        return await etcd.GetStringAsync(new ClusterKeys(cluster.Config).Leader);
    }

    public static async Task<ClusterView> EtcdViewAsync(RunningCluster cluster)
    {
        using var etcd = EtcdSession.For(cluster.Config, cluster.Config.Operator(), cluster.Config.EtcdOperatorCredentials());
        var keys = new ClusterKeys(cluster.Config);
        return ClusterView.From(keys, await etcd.GetPrefixAsync(keys.Prefix));
    }

    /// <summary>
    /// Runs <paramref name="step"/>; if it fails, first writes each agent's HA decisions (the tail of its log)
    /// to the test output, so a failure in CI, where the cluster's state folder is deleted, can be read.
    /// </summary>
    public static async Task ExplainingFailureAsync(RunningCluster cluster, ITestOutputHelper output, Func<Task> step)
    {
        try
        {
            await step();
        }
        catch
        {
            string[] keys = ["lock", "standing by", "failover", "leader", "promot", "fenced", "restart", "detached", "upstream", "postgres"];
            foreach (var node in cluster.Config.Nodes)
            {
                var file = cluster.Launcher.AgentLogFile(node.Id);
                var all = File.Exists(file) ? await File.ReadAllLinesAsync(file) : [];
                var lines = all.Where(l => keys.Any(k => l.Contains(k, StringComparison.OrdinalIgnoreCase))).TakeLast(40).ToList();
                output.WriteLine($"--- {node.Id} ({lines.Count} lines from {file})");
                lines.ForEach(l => output.WriteLine(l.Length > 300 ? l[..300] : l));
            }
            throw;
        }
    }

    /// <summary>The synchronous standby as the master reports it now.</summary>
    public static async Task<string> SyncStandbyAsync(RunningCluster cluster) =>
        (await cluster.StatusAsync()).Nodes.Single(n => n.Sync == true).Id;

    /// <summary>The failover set as the master reports it now: its synchronous standby and the potential one.</summary>
    public static async Task<(string Sync, string Potential)> FailoverStandbysAsync(RunningCluster cluster)
    {
        var nodes = (await cluster.StatusAsync()).Nodes;
        return (nodes.Single(n => n.Sync == true).Id, nodes.Single(n => n.Role == "standby" && n.Sync == false).Id);
    }

    /// <summary>The saga's step types, oldest first (GET /api/failovers/{id}).</summary>
    public static async Task<(string State, List<string> Steps)> SagaAsync(RunningCluster cluster, Guid id)
    {
        using var doc = await cluster.ControlPlaneAsync($"/api/failovers/{id}");
        var state = doc.RootElement.GetProperty("failover").GetProperty("state").GetString()!;
        var steps = doc.RootElement.GetProperty("events").EnumerateArray()
            .OrderBy(e => e.GetProperty("version").GetInt64())
            .Select(e => e.GetProperty("type").GetString()!).ToList();
        return (state, steps);
    }

    public static async Task<IReadOnlyList<JsonElement>> FailoversAsync(RunningCluster cluster)
    {
        using var doc = await cluster.ControlPlaneAsync("/api/failovers");
        return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    public static async Task<IReadOnlyList<string>> ClusterEventTypesAsync(RunningCluster cluster)
    {
        using var doc = await cluster.ControlPlaneAsync("/api/cluster/events");
        return doc.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()!).ToList();
    }

    /// <summary>The saga ran every step of an automatic failover: started, promote asked and confirmed, each replica rebased, done.</summary>
    public static async Task SagaShowsEveryStepAsync(RunningCluster cluster, Guid failoverId, int replicas)
    {
        await Wait.ForAsync("the failover saga to complete", async _ => (await SagaAsync(cluster, failoverId)).State == "Completed",
            TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
        var (_, steps) = await SagaAsync(cluster, failoverId);
        steps[0].ShouldBe("failover_initiated");
        steps.ShouldContain("promotion_requested");
        steps.ShouldContain("promotion_confirmed");
        steps.Count(s => s == "rebase_requested").ShouldBe(replicas);
        steps.Count(s => s == "rebase_confirmed").ShouldBe(replicas);
        steps[^1].ShouldBe("failover_succeeded");
        steps.IndexOf("promotion_confirmed").ShouldBeLessThan(steps.IndexOf("rebase_confirmed"));
    }

    /// <summary>A row written through the load balancer after the failover reaches every other replica that should carry it.</summary>
    public static async Task RowReachesAsync(RunningCluster cluster, IEnumerable<string> nodes)
    {
        var marker = "after-" + Guid.NewGuid().ToString("N")[..8];
        await cluster.ExecuteAsync(cluster.LoadBalancerConnectionString(), "CREATE TABLE IF NOT EXISTS after_failover (marker text)");
        (await cluster.ExecuteAsync(cluster.LoadBalancerConnectionString(), $"INSERT INTO after_failover VALUES ('{marker}')")).ShouldBe(1);
        foreach (var node in nodes)
        {
            await Wait.ForAsync($"the row written after the failover to reach {node}", async _ =>
                (long)(await cluster.ScalarAsync(cluster.NodeConnectionString(node), $"SELECT count(*) FROM after_failover WHERE marker = '{marker}'"))! == 1,
                TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>
    /// Every standby has replayed all the master's WAL. A scenario that needs a second standby to be eligible
    /// (as far as the first) waits for this before its fault: WAL the master writes on its own (a running-
    /// transactions record, a checkpoint) may otherwise have reached the sync standby and not yet the other,
    /// which then rightly may not be promoted.
    /// </summary>
    public static async Task StandbysCaughtUpAsync(RunningCluster cluster, string master)
    {
        var standbys = cluster.Config.FailoverStandbys.Where(n => n.Id != master).Select(n => n.Id).ToList();
        var names = string.Join(", ", standbys.Select(id => $"'{id}'"));
        await Wait.ForAsync($"{string.Join(" and ", standbys)} to replay all of {master}'s WAL", async _ =>
            (long)(await cluster.ScalarAsync(cluster.NodeConnectionString(master),
                $"SELECT count(*) FROM pg_stat_replication WHERE application_name IN ({names}) AND replay_lsn = pg_current_wal_lsn()"))! == standbys.Count,
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
    }

    /// <summary>S1 afterwards: the old master takes no write, whether its Postgres is down or fenced.</summary>
    public static async Task OldMasterRefusesWritesAsync(RunningCluster cluster, string oldMaster)
    {
        var cs = new NpgsqlConnectionStringBuilder(cluster.NodeConnectionString(oldMaster)) { Timeout = 2, CommandTimeout = 3 }.ConnectionString;
        var accepted = false;
        try
        {
            await cluster.ExecuteAsync(cs, "CREATE TABLE IF NOT EXISTS fenced_probe (id int); INSERT INTO fenced_probe VALUES (1)");
            accepted = true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
        }
        accepted.ShouldBeFalse($"{oldMaster} accepted a write after the failover");
    }

    public static async Task<string> HealthMessageAsync(RunningCluster cluster, string node) =>
        (await ClusterLauncher.HealthAsync(cluster.Config, cluster.Node(node), CancellationToken.None)).Body?.GetRawText() ?? "";
}
