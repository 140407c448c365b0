using System.Text.Json;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>One failover's trace as <c>GET /api/traces/{id}</c> gives it: its trace ids and its spans, by process.</summary>
public sealed record FailoverTrace(IReadOnlyList<string> TraceIds, IReadOnlyList<FailoverTrace.Span> Spans)
{
    public sealed record Span(string Instance, string Name, string? Parent);

    public HashSet<string> Instances => [.. Spans.Select(s => s.Instance)];

    /// <summary>Null while the control plane knows no span of it (404) or does not answer yet.</summary>
    public static async Task<FailoverTrace?> ReadAsync(ClusterConfig config, Guid failoverId, CancellationToken ct = default)
    {
        using var http = ApiTokens.Client(config, TimeSpan.FromSeconds(10), ApiTokens.Viewer(config));
        using var response = await http.GetAsync($"{config.ControlPlaneUrl}/api/traces/{failoverId}", ct);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        var root = doc.RootElement;
        return new FailoverTrace(
            [.. root.GetProperty("traceIds").EnumerateArray().Select(t => t.GetString()!)],
            [.. root.GetProperty("spans").EnumerateArray().Select(s => new Span(
                s.GetProperty("instance").GetString()!, s.GetProperty("name").GetString()!, s.GetProperty("parentSpanId").GetString()))]);
    }
}
