using Conjur.EventSourced.Hosting.Tls;
using System.Diagnostics;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Tests.Fixtures;
using Npgsql;

namespace Conjur.EventSourced.Tests.Integration.Cluster;

/// <summary>Given a freshly started four-node cluster: roles, replication, routing and heartbeats.</summary>
[Collection("clusters-b")]
public sealed class WalkingSkeletonTests(HealthyFourNodeCluster cluster) : IClassFixture<HealthyFourNodeCluster>
{
    [Fact]
    public async Task FreshCluster_StatusListsFourHealthyNodesWithTheirRoles()
    {
        var status = await cluster.StatusAsync();

        status.Master.ShouldBe("node1");
        status.Nodes.Select(n => (n.Id, n.Role, n.Sync, n.Healthy)).ShouldBe(
        [
            ("node1", "master", null, true),
            ("node2", "standby", true, true),
            ("node3", "standby", false, true),
            ("node4", "follower", null, true),
        ]);
        status.Nodes.ShouldAllBe(n => n.AgentPid > 0 && n.PostgresPid > 0);
        status.Nodes.ShouldAllBe(n => n.PostgresDsn.Contains("passfile="));
    }

    [Fact]
    public async Task RowInsertedThroughLoadBalancer_IsReadableOnEveryReplica()
    {
        await cluster.ExecuteAsync(cluster.LoadBalancerConnectionString(), "CREATE TABLE IF NOT EXISTS skeleton_rows (id text PRIMARY KEY)");
        var id = Guid.NewGuid().ToString("N");
        await cluster.ExecuteAsync(cluster.LoadBalancerConnectionString(), $"INSERT INTO skeleton_rows VALUES ('{id}')");
        var clock = Stopwatch.StartNew();

        foreach (var replica in new[] { "node2", "node3", "node4" })
        {
            var seen = await Wait.UntilAsync(async _ =>
                await cluster.ScalarAsync(cluster.NodeConnectionString(replica), $"SELECT count(*) FROM skeleton_rows WHERE id = '{id}'") is 1L,
                TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20));
            seen.ShouldBeTrue($"{replica} never showed the row");
        }
        // The target is 1 s; the bound here is generous so a loaded CI machine does not flake.
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task InsertSentStraightToAReplica_FailsWithPostgresReadOnlyError()
    {
        await cluster.ExecuteAsync(cluster.LoadBalancerConnectionString(), "CREATE TABLE IF NOT EXISTS skeleton_rows (id text PRIMARY KEY)");
        await Wait.ForAsync("the table to reach node3", async _ =>
            await cluster.ScalarAsync(cluster.NodeConnectionString("node3"), "SELECT to_regclass('skeleton_rows') IS NOT NULL") is true,
            TimeSpan.FromSeconds(10));

        var error = await Should.ThrowAsync<PostgresException>(() =>
            cluster.ExecuteAsync(cluster.NodeConnectionString("node3"), "INSERT INTO skeleton_rows VALUES ('nope')"));

        error.SqlState.ShouldBe("25006"); // read_only_sql_transaction
    }

    [Fact]
    public async Task Health_Is200OnMasterAndFollower_503OnStandbys()
    {
        var codes = new Dictionary<string, NodeHealth>();
        foreach (var n in cluster.Config.Nodes)
        {
            codes[n.Id] = await ClusterLauncher.HealthAsync(cluster.Config, n, CancellationToken.None);
        }

        codes["node1"].StatusCode.ShouldBe(200);
        codes["node4"].StatusCode.ShouldBe(200);
        codes["node2"].StatusCode.ShouldBe(503);
        codes["node3"].StatusCode.ShouldBe(503);
        codes["node2"].Body!.Value.GetProperty("message").GetString()!.ShouldContain("not accepting requests");
        codes["node1"].Body!.Value.GetProperty("database").GetProperty("replication_status").GetProperty("ok").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task LoadBalancer_RoutesHttpToTheMaster()
    {
        using var http = ClusterHttp.Client(cluster.Config, TimeSpan.FromSeconds(5));
        var body = await http.GetStringAsync(cluster.Config.LoadBalancerUrl + "/info");

        body.ShouldContain("\"id\":\"node1\"");
    }

    [Fact]
    public async Task ControlPlane_ShowsEveryNodesHeartbeat_UpdatedEverySecond()
    {
        static Dictionary<string, long> Counts(System.Text.Json.JsonDocument d) => d.RootElement.GetProperty("nodes").EnumerateArray()
            .ToDictionary(n => n.GetProperty("id").GetString()!, n => n.GetProperty("heartbeatCount").GetInt64());

        using var first = await cluster.ControlPlaneAsync("/api/cluster");
        var before = Counts(first);
        first.RootElement.GetProperty("master").GetString().ShouldBe("node1");
        before.Keys.Order().ShouldBe(["node1", "node2", "node3", "node4"]);

        var advanced = await Wait.UntilAsync(async _ =>
        {
            using var now = await cluster.ControlPlaneAsync("/api/cluster");
            var after = Counts(now);
            return after.All(kv => kv.Value >= before[kv.Key] + 2);
        }, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(250));
        advanced.ShouldBeTrue("every node's heartbeat count should grow by at least 2 within a few seconds");

        using var events = await cluster.ControlPlaneAsync("/api/nodes/node2/events?limit=5");
        events.RootElement.GetProperty("stream").GetString().ShouldBe($"{cluster.Config.ClusterId}/node/node2");
        events.RootElement.GetProperty("events").GetArrayLength().ShouldBeGreaterThan(0);
    }
}
