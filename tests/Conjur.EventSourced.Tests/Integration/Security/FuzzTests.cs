using Conjur.EventSourced.Hosting.Tls;
using System.Text;
using Conjur.EventSourced.Cli.Secrets;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Tests.Fixtures;
using Conjur.EventSourced.Tests.Fuzzing;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Integration.Security;

/// <summary>
/// Given a master and a follower with a secret only the admin may read: random, truncated, oversized and deeply
/// nested bodies, odd paths (percent-encoding, <c>..</c>, NUL) and mangled credentials, at least a thousand of each
/// route kind of the agents and of the control plane, get no 5xx (but a 503 where a node may be unavailable), no
/// hang, no crash, and no secret value in any answer; the master is still the master afterwards and serves.
/// </summary>
[Collection("clusters")]
public sealed class FuzzTests(ClusterForFuzzing cluster, ITestOutputHelper output) : IClassFixture<ClusterForFuzzing>
{
    private const int PerKind = 1_000;

    [Fact]
    public async Task EveryRoute_HostileRequests_NoServerErrorNoHangNoCrashNoSecretInAnyAnswer()
    {
        var agents = new[] { cluster.Master.HttpPort, cluster.Follower.HttpPort };
        var routes = FuzzRoutes.Agent(cluster.Targets).Select(r => (r, (IReadOnlyList<int>)agents))
            .Concat(FuzzRoutes.ControlPlane(cluster.Targets).Select(r => (r, (IReadOnlyList<int>)[cluster.Config.ControlPlane.HttpPort])))
            .ToList();
        var pids = Pids();
        pids.Values.ShouldAllBe(pid => pid != null);
        // Before the run: its failed logins from this address then limit this one for a window.
        using var master = new ConjurClient(cluster.Config, cluster.Config.ApiUrl(cluster.Master));
        var admin = await master.AuthenticateAsync(ClusterWithAccount.Account, "admin", cluster.AdminApiKey, CancellationToken.None);
        var adminSince = System.Diagnostics.Stopwatch.StartNew();

        var report = await FuzzCampaign.RunAsync(routes, cluster.Targets, PerKind, concurrency: 6, cluster.ForbiddenValues(),
            timeout: TimeSpan.FromSeconds(20), seed: Environment.TickCount);

        output.WriteLine(report.Table());
        foreach (var failure in report.Failures)
        {
            output.WriteLine(failure);
        }
        report.Failures.ShouldBeEmpty($"{report.Failures.Count} request(s) broke a rule; the first: {report.Failures.FirstOrDefault()}");
        foreach (var (route, _) in routes)
        {
            report.RequestsOf(route.Kind).ShouldBeGreaterThanOrEqualTo(PerKind, route.Kind);
        }
        Pids().ShouldBe(pids, "no agent and no control plane restarted (a crash would have)");
        await TheClusterStillServesAsync(adminSince.Elapsed < TimeSpan.FromMinutes(6) ? admin : null);
    }

    [Theory]
    [InlineData("FFFFFFFFFFFFFFFF\r\nx", false)] // a chunk size that overflows
    [InlineData("zz\r\nnot hex\r\n0\r\n\r\n", false)]
    [InlineData("10\r\nshort", true)] // the client gives up mid-chunk
    public async Task ABodyThatCannotBeRead_OnEveryRouteThatReadsOne_Answers400NotA500(string chunks, bool halfClose)
    {
        string[] paths = ["/policies/acme/policy/fuzz", "/secrets/acme/variable/fuzz-open", "/authn/acme/host%2Ffuzzer/authenticate", "/audit/records"];
        foreach (var node in new[] { cluster.Master, cluster.Follower })
        {
            foreach (var path in paths)
            {
                var head = RawHttp.Build("POST", path, [("Host", $"127.0.0.1:{node.HttpPort}"), ("Authorization", path.StartsWith("/audit", StringComparison.Ordinal)
                    ? "Conjur-Node node=node2,ts=1,sig=AAAA" : $"Token token=\"{cluster.Targets.FuzzerToken}\""), ("Transfer-Encoding", "chunked")], body: null);
                var outcome = await RawHttp.SendAsync(node.HttpPort, [.. head, .. Encoding.Latin1.GetBytes(chunks)], halfClose, TimeSpan.FromSeconds(20), cluster.Targets.CaFile);
                // The audit route refuses an unsigned batch before reading it; a follower refuses batches (503) before reading too.
                // A client that half-closes mid-body has gone: the server may close without an answer, never answer 500.
                (outcome.Status is >= 400 and < 500 or 503 || (outcome.Status is null && !outcome.TimedOut && halfClose)).ShouldBeTrue($"{node.Id} {path}: {outcome.Kind} {Encoding.UTF8.GetString(outcome.Body)}");
            }
        }
    }

    [Fact]
    public async Task ANulInAPathOrAQuery_Refused400_AndTheEventStoreAnswersEveryQueryAfterIt()
    {
        using var http = ApiTokens.Client(cluster.Config, TimeSpan.FromSeconds(10), cluster.Targets.ViewerToken);
        var api = cluster.Config.ControlPlaneUrl;
        var port = cluster.Config.ControlPlane.HttpPort;
        // Kestrel refuses a NUL in an origin-form path itself; in the absolute form it reached the route.
        foreach (var (target, named) in new[] { ("/api/events?type=%00&limit=5", "type"), ($"{cluster.Config.WebScheme}://127.0.0.1:{port}/api/nodes/a%00b/events", "path"), ("/api/events?stream=t%0a", "stream") })
        {
            var refused = await RawHttp.SendAsync(port, RawHttp.Build("GET", target, [("Host", $"127.0.0.1:{port}"), ("Authorization", $"Bearer {cluster.Targets.ViewerToken}")], body: null),
                shutDownEarly: false, TimeSpan.FromSeconds(10), cluster.Targets.CaFile);
            refused.Status.ShouldBe(400, $"{target}: {Encoding.UTF8.GetString(refused.Body)}");
            Encoding.UTF8.GetString(refused.Body).ShouldContain(named);
        }
        // A NUL once reached Postgres, and the pooled connection it failed on then failed later, valid, queries.
        for (var i = 0; i < 20; i++)
        {
            var page = await http.GetAsync(new Uri($"{api}/api/events?type=node_heartbeat_recorded,master_changed&limit={i + 1}"));
            ((int)page.StatusCode).ShouldBe(200, await page.Content.ReadAsStringAsync());
        }
    }

    private Dictionary<string, int?> Pids()
    {
        var pids = cluster.Config.Nodes.ToDictionary(n => n.Id, n => Daemon.ReadPid(cluster.Launcher.AgentPidFile(n.Id)) is { } p && Daemon.IsRunning(p) ? p : (int?)null);
        pids["controlplane"] = cluster.Launcher.ControlPlanePid;
        return pids;
    }

    /// <summary>The admin's token, once the run's failed logins from this address have left the limiter's window.</summary>
    private async Task<string> AdminTokenAsync(ConjurClient master, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return await master.AuthenticateAsync(ClusterWithAccount.Account, "admin", cluster.AdminApiKey, ct);
            }
            catch (SecretsApiException e) when (e.Status == 429)
            {
                await Task.Delay(TimeSpan.FromSeconds(2), ct);
            }
        }
    }

    private async Task TheClusterStillServesAsync(string? adminToken)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using var http = ClusterHttp.Client(cluster.Config, TimeSpan.FromSeconds(10));
        (await http.GetAsync(new Uri($"{cluster.Config.ApiUrl(cluster.Master)}/health"), cts.Token)).IsSuccessStatusCode.ShouldBeTrue("node1 is still the accepting master");
        using var master = new ConjurClient(cluster.Config, cluster.Config.ApiUrl(cluster.Master));
        using var follower = new ConjurClient(cluster.Config, cluster.Config.ApiUrl(cluster.Follower));
        var admin = adminToken ?? await AdminTokenAsync(master, cts.Token);
        (await master.FetchAsync(admin, ClusterWithAccount.Account, "fuzz-hidden", cts.Token)).Value.ShouldBe(Encoding.UTF8.GetBytes(cluster.HiddenValue));
        (await follower.FetchAsync(admin, ClusterWithAccount.Account, "fuzz-hidden", cts.Token)).Value.ShouldBe(Encoding.UTF8.GetBytes(cluster.HiddenValue));
    }
}
