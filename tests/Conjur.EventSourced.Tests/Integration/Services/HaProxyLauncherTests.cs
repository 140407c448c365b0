using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Services;
using Conjur.EventSourced.Hosting.Topology;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Integration.Services;

/// <summary>
/// A real haproxy in front of stand-in node agents: node1 (master in the layout) says 503 and node2
/// (sync standby) says 200, so the load balancer must follow /health, not the configured roles.
/// node3 has nothing listening (a dead node); node4 is a follower and never a backend.
/// </summary>
public sealed class HaProxyLauncherTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int BasePort = 25400;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("conjur-haproxy-");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private ClusterConfig _config = null!;
    private HaProxyLauncher _haproxy = null!;
    private StandInAgent? _node1;
    private StandInAgent? _node2;
    private StandInAgent? _node4;

    public async Task InitializeAsync()
    {
        // In plain text: stand-in agents answer /health on their HTTP port; checks over the agents' mutual-TLS listener
        // are exercised by every cluster test (and LeastPrivilegeTests.InternalListenerTls).
        _config = DefaultTopology.Create(_dir.FullName, BasePort) with { Tls = new TlsConfig { Enabled = false } };
        _haproxy = new HaProxyLauncher(_config);
        try
        {
            _node1 = StandIn("node1", HttpStatusCode.ServiceUnavailable);
            _node2 = StandIn("node2", HttpStatusCode.OK);
            _node4 = StandIn("node4", HttpStatusCode.OK);
            var clock = Stopwatch.StartNew();
            await _haproxy.StartAsync(CancellationToken.None);
            output.WriteLine($"haproxy: serving in {clock.ElapsedMilliseconds} ms");
            // haproxy starts every server UP: wait for the first checks to take node1 and node3 out.
            await Wait.ForAsync("node1 and node3 marked down in both backends", async ct =>
            {
                var states = await ServerStatesAsync(ct);
                return states.Count == 6 && states.All(s => s.Key.Server == "node2" ? s.Value == "UP" : s.Value.StartsWith("DOWN", StringComparison.Ordinal));
            }, Bound, TimeSpan.FromMilliseconds(50));
        }
        catch
        {
            // Free the ports at once: the next test of this class listens on the same ones.
            await ReleaseAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        var pid = _haproxy.Pid();
        await ReleaseAsync();
        if (pid is { } p)
        {
            Daemon.IsRunning(p).ShouldBeFalse();
        }
    }

    /// <summary>Stops haproxy and the stand-ins whatever state they are in; safe to call twice.</summary>
    private async Task ReleaseAsync()
    {
        try
        {
            await _haproxy.StopAsync(CancellationToken.None);
        }
        finally
        {
            foreach (var standIn in new[] { _node1, _node2, _node4 })
            {
                if (standIn is not null)
                {
                    await standIn.DisposeAsync();
                }
            }
            _http.Dispose();
            if (_dir.Exists)
            {
                _dir.Delete(recursive: true);
            }
        }
    }

    [Fact]
    public async Task OnlyOneNodeHealthy_HttpTrafficReachesOnlyIt()
    {
        var answeredBy = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            answeredBy.Add(await ThroughLoadBalancerAsync(CancellationToken.None));
        }
        answeredBy.ShouldAllBe(id => id == "node2");
    }

    [Fact]
    public async Task OnlyOneNodeHealthy_PostgresTrafficReachesOnlyIt()
    {
        for (var i = 0; i < 5; i++)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(_config.LoadBalancer.Host, _config.LoadBalancer.PostgresPort);
            using var reader = new StreamReader(tcp.GetStream());
            (await reader.ReadLineAsync().WaitAsync(Bound)).ShouldBe("node2");
        }
    }

    [Fact]
    public async Task HealthMovesToAnotherNode_TrafficFollowsWithinTwoSeconds()
    {
        var clock = Stopwatch.StartNew();
        _node2!.Health = HttpStatusCode.ServiceUnavailable;
        _node1!.Health = HttpStatusCode.OK;

        await Wait.ForAsync("traffic on node1", async ct => await ThroughLoadBalancerAsync(ct) == "node1", Bound, TimeSpan.FromMilliseconds(20));

        output.WriteLine($"haproxy: traffic moved in {clock.ElapsedMilliseconds} ms");
        // Two to four check rounds of 250 ms; the margin is for a loaded 2-core machine, not the config.
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task StatsCsv_ShowsEachBackendServerState()
    {
        var states = await ServerStatesAsync(CancellationToken.None);

        states.Keys.ShouldBe([
            ("master_http", "node1"), ("master_http", "node2"), ("master_http", "node3"),
            ("master_postgres", "node1"), ("master_postgres", "node2"), ("master_postgres", "node3"),
        ], ignoreOrder: true);
        states[("master_http", "node2")].ShouldBe("UP");
        states[("master_postgres", "node2")].ShouldBe("UP");
        states[("master_http", "node1")].ShouldStartWith("DOWN");
        states[("master_postgres", "node3")].ShouldStartWith("DOWN");
    }

    [Fact]
    public async Task StartedAgain_KeepsTheRunningProcess()
    {
        var before = _haproxy.Pid();
        before.ShouldNotBeNull();
        await _haproxy.StartAsync(CancellationToken.None);
        _haproxy.Pid().ShouldBe(before);
    }

    private StandInAgent StandIn(string id, HttpStatusCode health)
    {
        var node = _config.Node(id);
        return new StandInAgent(id, node.Host, node.HttpPort, node.PostgresPort, health);
    }

    /// <summary>Each backend server's status column from the stats CSV (pxname, svname, ..., status is the 18th).</summary>
    private async Task<Dictionary<(string Backend, string Server), string>> ServerStatesAsync(CancellationToken ct)
    {
        var csv = await _http.GetStringAsync(new Uri($"http://{_config.LoadBalancer.Host}:{_config.LoadBalancer.StatsPort}/stats;csv"), ct);
        return csv.Split('\n')
            .Select(l => l.Split(','))
            .Where(c => c.Length > 17 && c[0].StartsWith("master_", StringComparison.Ordinal) && c[1].StartsWith("node", StringComparison.Ordinal))
            .ToDictionary(c => (c[0], c[1]), c => c[17]);
    }

    private async Task<string> ThroughLoadBalancerAsync(CancellationToken ct) =>
        await _http.GetStringAsync(new Uri($"{_config.LoadBalancerUrl}/whoami"), ct);
}
