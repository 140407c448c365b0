using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.ControlPlane.Dashboard;

/// <summary>One server of a load-balancer backend as HAProxy's stats CSV reports it.</summary>
public sealed record LoadBalancerServer(string Backend, string Server, string Status, bool Up, bool Routed);

/// <summary>
/// Where the load balancer sends traffic, read from HAProxy's own stats (<c>/stats;csv</c> on the
/// cluster's stats port), not guessed from /health: the dashboard shows what HAProxy does. Its backends
/// use <c>balance first</c>, so the routed server is the first one that is up, in configuration order.
/// </summary>
public sealed class LoadBalancerStats(ClusterConfig config, IHttpClientFactory http)
{
    public sealed record Reading(DateTimeOffset At, string? RoutedTo, string? Error, IReadOnlyList<LoadBalancerServer> Servers);

    public async Task<Reading> ReadAsync(DateTimeOffset now, CancellationToken ct)
    {
        var lb = config.LoadBalancer;
        if (lb.StatsPort == 0)
        {
            return new Reading(now, null, "no load balancer stats port in the cluster's configuration", []);
        }
        try
        {
            using var client = http.CreateClient(nameof(LoadBalancerStats));
            client.Timeout = TimeSpan.FromSeconds(2);
            var csv = await client.GetStringAsync($"{config.LoadBalancerStatsUrl};csv", ct);
            var servers = Parse(csv);
            var routed = servers.FirstOrDefault(s => s.Backend == "master_postgres" && s.Routed)?.Server
                ?? servers.FirstOrDefault(s => s.Routed)?.Server;
            return new Reading(now, routed, null, servers);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return new Reading(now, null, $"load balancer stats unavailable: {e.Message}", []);
        }
    }

    /// <summary>HAProxy's CSV: a '# pxname,svname,...' header, one row per frontend, server and backend.</summary>
    public static IReadOnlyList<LoadBalancerServer> Parse(string csv)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0 || !lines[0].StartsWith('#'))
        {
            return [];
        }
        var header = lines[0].TrimStart('#', ' ').Split(',');
        var px = Array.IndexOf(header, "pxname");
        var sv = Array.IndexOf(header, "svname");
        var st = Array.IndexOf(header, "status");
        if (px < 0 || sv < 0 || st < 0)
        {
            return [];
        }
        var rows = lines.Skip(1).Select(l => l.Split(','))
            .Where(f => f.Length > st && f[sv] is not ("FRONTEND" or "BACKEND"))
            .Select(f => (Backend: f[px], Server: f[sv], Status: f[st]))
            .ToList();
        return [.. rows.GroupBy(r => r.Backend).SelectMany(g =>
        {
            var first = g.FirstOrDefault(r => IsUp(r.Status)).Server;
            return g.Select(r => new LoadBalancerServer(r.Backend, r.Server, r.Status, IsUp(r.Status), r.Server == first));
        })];
    }

    // "UP", or "UP 1/2" while a check is in transition: it still takes traffic.
    private static bool IsUp(string status) => status.StartsWith("UP", StringComparison.Ordinal);
}
