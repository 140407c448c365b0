using System.Diagnostics;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Tests.Fixtures;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Integration.Dashboard;

/// <summary>
/// Given a healthy four-node cluster with its dashboard open in a real headless chromium, when the
/// master's Postgres is killed (kill -9, as the drill does), then the page shows the failover while it
/// runs and, after it, the new master, the completed saga and the load balancer routing to it; one
/// trace follows the failover from the winning agent through the control plane to a rebased standby;
/// and /metrics on the control plane and the agents carry the series an operator alerts on.
/// </summary>
[Collection("clusters-b")]
public sealed class DashboardTests(ClusterForDashboard cluster, ITestOutputHelper output) : IClassFixture<ClusterForDashboard>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task MasterPostgresKilled_DashboardShowsTheFailoverLive_OneTraceFollowsIt()
    {
        var clock = Stopwatch.StartNew();
        var oldMaster = await MasterAsync();
        var screenshots = ArtifactsDir();
        await using var browser = await Browser.OpenAsync(cluster.Config.ControlPlaneUrl + "/");
        // The page asks for a token once (the viewer's), trades it for its stream's session cookie and keeps it for the tab.
        await browser.SignInAsync(ApiTokens.Viewer(cluster.Config));
        await Wait.ForAsync($"the dashboard to show master {oldMaster}", async _ => await browser.TextAsync("master-name") == oldMaster, Bound, Poll);
        (await browser.Page.GetByTestId("conn-status").GetAttributeAsync("data-state")).ShouldBe("live");
        (await browser.Page.GetByTestId($"node-{oldMaster}").GetAttributeAsync("data-state")).ShouldBe("master");
        await Wait.ForAsync($"the load balancer tile to name {oldMaster}", async _ => await browser.TextAsync("lb-route") == oldMaster, Bound, Poll);
        output.WriteLine($"before: {await browser.ScreenshotAsync(screenshots, "dashboard-before.png")}");

        // When: the master's postmaster dies (its agent lives, sees it and gives the leader lease up).
        var target = await Cli.Drill.FaultInjector.LocateAsync(cluster.Launcher, cluster.Node(oldMaster), CancellationToken.None);
        Daemon.Kill(target.PostgresPid.ShouldNotBeNull());
        var killedAt = clock.Elapsed;

        // During: the saga running (or, on a machine fast enough to finish between two looks, already done).
        await Wait.ForAsync("the dashboard to show the failover under way", async _ =>
                (await browser.TextAsync("failover-big")) is var f && (f.StartsWith("Running", StringComparison.Ordinal) || f == "Completed"),
            Bound, TimeSpan.FromMilliseconds(50));
        var during = $"master '{await browser.TextAsync("master-name")}', failover '{await browser.TextAsync("failover-big")}'";
        output.WriteLine($"during ({(clock.Elapsed - killedAt).TotalSeconds:0.0} s after the kill: {during}): {await browser.ScreenshotAsync(screenshots, "dashboard-during.png")}");

        // Then: the new master, the completed saga naming it, and traffic routed to it.
        string? newMaster = null;
        await Wait.ForAsync("the dashboard to show a new master and the completed saga", async _ =>
        {
            newMaster = await browser.TextAsync("master-name");
            return newMaster != oldMaster && newMaster != "NO MASTER"
                && await browser.TextAsync("failover-state") == "Completed"
                && await browser.TextAsync("failover-new-master") == newMaster
                && await browser.TextAsync("lb-route") == newMaster;
        }, Bound, Poll);
        newMaster.ShouldBe(await MasterAsync());
        (await browser.Page.GetByTestId($"node-{newMaster}").GetAttributeAsync("data-state")).ShouldBe("master");
        (await browser.Page.GetByTestId("saga-steps").InnerTextAsync()).ShouldContain("rebasing");
        (await browser.Page.GetByTestId("feed").InnerTextAsync()).ShouldContain("failover succeeded");
        output.WriteLine($"after ({(clock.Elapsed - killedAt).TotalSeconds:0.0} s after the kill): {await browser.ScreenshotAsync(screenshots, "dashboard-after.png")}");

        // One trace: the winner's lock span, the saga in the control plane, a rebased standby's part.
        using var failover = await cluster.ControlPlaneAsync("/api/failovers");
        var failoverId = failover.RootElement[0].GetProperty("id").GetGuid();
        using var details = await cluster.ControlPlaneAsync($"/api/failovers/{failoverId}");
        var rebased = details.RootElement.GetProperty("rebased").EnumerateArray().Select(e => e.GetString()!).ToList();
        rebased.ShouldNotBeEmpty();
        FailoverTrace? trace = null;
        await Wait.ForAsync("the failover's trace to reach the winner, the control plane and a rebased standby", async c =>
        {
            trace = await FailoverTrace.ReadAsync(cluster.Config, failoverId, c);
            var instances = trace?.Instances ?? [];
            return instances.Contains(newMaster!) && instances.Contains("controlplane") && rebased.Any(instances.Contains)
                && trace!.Spans.Any(s => s.Instance == "controlplane" && s.Name.Contains("FailoverCompleted", StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500));
        trace!.TraceIds.Count.ShouldBe(1);
        var spans = trace.Spans;
        output.WriteLine($"trace {trace.TraceIds[0]}: {spans.Count} spans");
        foreach (var s in spans)
        {
            output.WriteLine($"  {s.Instance,-13} {s.Name}");
        }
        var root = spans.Single(s => s.Name == Hosting.Telemetry.SpanTags.FailoverSpan);
        root.Instance.ShouldBe(newMaster);
        root.Parent.ShouldBeNull();
        // MassTransit names send spans after the message, receive and process spans after the queue.
        spans.ShouldContain(s => s.Instance == newMaster && s.Name.Contains("MasterPromoted", StringComparison.Ordinal));
        spans.ShouldContain(s => rebased.Contains(s.Instance) && s.Name.Contains("StandbyRebased", StringComparison.Ordinal));
        spans.ShouldContain(s => rebased.Contains(s.Instance) && s.Name.EndsWith(" process", StringComparison.Ordinal));

        // The control plane counted the failover and timed its steps.
        var cp = await Prometheus.ScrapeAsync(cluster.Config, cluster.Config.ControlPlaneUrl + "/metrics", ApiTokens.Viewer(cluster.Config));
        cp.Sum("conjur_controlplane_failovers_total", ("outcome", "completed")).ShouldBeGreaterThanOrEqualTo(1);
        cp.Sum("conjur_controlplane_failover_step_duration_seconds_count", ("step", "promoting")).ShouldBeGreaterThanOrEqualTo(1);
        cp.Sum("conjur_controlplane_failover_step_duration_seconds_sum", ("step", "promoting")).ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task HealthyCluster_MetricsExposeLeaseRenewalsLagAndIngest()
    {
        var master = await MasterAsync();
        // Right after a failover (when this runs second) the replicas may still be reconnecting to the new master.
        IReadOnlyList<PrometheusSample> agent = [];
        await Wait.ForAsync($"{master} to report a replica's lag", async _ =>
        {
            agent = await Prometheus.ScrapeAsync(cluster.Config, cluster.Config.ApiUrl(cluster.Node(master)) + "/metrics");
            return agent.Any(s => s.Name == "conjur_agent_replication_lag_bytes" && s.Labels.GetValueOrDefault("observed_by") == master);
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500));
        agent.Sum("conjur_agent_leader_lease_renewals_total", ("node", master), ("result", "ok")).ShouldBeGreaterThan(0);
        agent.Sum("conjur_agent_ha_cycles_total", ("node", master)).ShouldBeGreaterThan(0);
        agent.Sum("conjur_agent_heartbeats_published_total", ("node", master), ("result", "ok")).ShouldBeGreaterThan(0);
        // The master reports each streaming replica's lag; a healthy replica is at most a few MiB behind.
        var lag = agent.Where(s => s.Name == "conjur_agent_replication_lag_bytes" && s.Labels.GetValueOrDefault("observed_by") == master).ToList();
        lag.Count.ShouldBeGreaterThanOrEqualTo(1);
        lag.ShouldAllBe(s => s.Value >= 0 && s.Value < 64 * 1024 * 1024);
        agent.ShouldContain(s => s.Name.StartsWith("messaging_masstransit", StringComparison.Ordinal) || s.Name.StartsWith("masstransit", StringComparison.Ordinal));

        var cp = await Prometheus.ScrapeAsync(cluster.Config, cluster.Config.ControlPlaneUrl + "/metrics", ApiTokens.Viewer(cluster.Config));
        cp.Sum("conjur_controlplane_heartbeats_ingested_total", ("type", "heartbeat")).ShouldBeGreaterThan(0);
        cp.Sum("conjur_controlplane_heartbeats_ingested_total", ("type", "lag_report")).ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task StreamEndpoint_SendsEverySectionAtOnce()
    {
        using var http = ApiTokens.Client(cluster.Config, TimeSpan.FromSeconds(30), ApiTokens.Viewer(cluster.Config));
        using var response = await http.GetAsync(cluster.Config.ControlPlaneUrl + "/api/stream", HttpCompletionOption.ResponseHeadersRead);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("text/event-stream");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var seen = new HashSet<string>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (seen.Count < 4 && await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                seen.Add(line["event: ".Length..]);
            }
        }
        seen.ShouldBe(["cluster", "loadbalancer", "failovers", "events"], ignoreOrder: true);
    }

    private async Task<string> MasterAsync()
    {
        string? master = null;
        await Wait.ForAsync("the control plane to name a master", async _ =>
        {
            using var doc = await cluster.ControlPlaneAsync("/api/cluster");
            master = doc.RootElement.GetProperty("master").GetString();
            return master is not null;
        }, Bound, Poll);
        return master!;
    }

    /// <summary>artifacts/dashboard under the repository (the folder ./test keeps), else the test's own folder.</summary>
    private static string ArtifactsDir()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Conjur.EventSourced.sln")))
        {
            dir = dir.Parent;
        }
        return Path.Combine(dir?.FullName ?? AppContext.BaseDirectory, "artifacts", "dashboard");
    }
}
