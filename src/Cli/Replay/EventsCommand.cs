using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Conjur.EventSourced.Cli.ControlPlaneApi;
using Conjur.EventSourced.Hosting.Topology;
using Spectre.Console;

namespace Conjur.EventSourced.Cli.Replay;

/// <summary>
/// <c>cluster events [--stream S] [--type T] [--since T] [--until T] [--limit N] [--json]</c>: the control
/// plane's event store for audit (<c>GET /api/events</c>), oldest first, following the pages until the limit.
/// </summary>
public static class EventsCommand
{
    public const int PageSize = 1000;

    public static Command Create()
    {
        var stream = new Option<string?>("--stream") { Description = "A stream key, or a prefix ending in * (e.g. local/node/*); a bare name like 'cluster' or 'node/node2' gets the cluster id in front" };
        var type = new Option<string?>("--type") { Description = "Event type names, comma-separated (e.g. master_changed,failover_blocked_recorded)" };
        var since = new Option<string?>("--since") { Description = "From this store time (ISO 8601 with a zone, e.g. 2026-11-26T17:00:00Z)" };
        var until = new Option<string?>("--until") { Description = "Up to this store time (exclusive)" };
        var limit = new Option<int>("--limit") { Description = "At most this many events", DefaultValueFactory = _ => 100 };
        var json = new Option<bool>("--json") { Description = "One JSON document: {events, next}" };
        var cmd = new Command("events", "Replay the control plane's event store for audit (GET /api/events)") { stream, type, since, until, limit, json };
        cmd.SetAction(async (parse, ct) => await Program.Guarded(async () =>
        {
            var config = ClusterConfig.Load(Path.Combine(Program.StateDir(parse), "cluster.json"));
            var wanted = parse.GetValue(limit);
            if (wanted < 1)
            {
                await Console.Error.WriteLineAsync("cluster: --limit must be at least 1");
                return 2;
            }
            using var client = new ControlPlaneClient(config, TimeSpan.FromSeconds(60));
            var events = new List<JsonElement>();
            long? next = null;
            do
            {
                var query = Query(config.ClusterId, parse.GetValue(stream), parse.GetValue(type), parse.GetValue(since), parse.GetValue(until),
                    Math.Min(PageSize, wanted - events.Count), next);
                var page = await client.GetAsync("api/events" + query, ct);
                if (page is not { ValueKind: JsonValueKind.Object } p || !p.TryGetProperty("events", out var list))
                {
                    throw new ControlPlaneException($"the control plane's /api/events answered without an 'events' list: {page?.GetRawText() ?? "(empty)"}");
                }
                events.AddRange(list.EnumerateArray());
                next = p.TryGetProperty("next", out var n) && n.ValueKind == JsonValueKind.Number ? n.GetInt64() : null;
            }
            while (next is not null && events.Count < wanted);

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { events, next }));
                return 0;
            }
            if (events.Count == 0)
            {
                Console.WriteLine("no events match");
                return 0;
            }
            var table = new Table().Border(TableBorder.Rounded).AddColumns("seq", "recorded (UTC)", "stream", "v", "type", "data");
            foreach (var e in events)
            {
                table.AddRow(
                    e.GetProperty("sequence").GetRawText(),
                    e.GetProperty("timestamp").GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture),
                    Markup.Escape(e.GetProperty("stream").GetString() ?? ""),
                    e.GetProperty("version").GetRawText(),
                    Markup.Escape(e.GetProperty("type").GetString() ?? ""),
                    Markup.Escape(Shorten(e.GetProperty("data").GetRawText())));
            }
            AnsiConsole.Write(table);
            if (next is not null)
            {
                AnsiConsole.MarkupLineInterpolated($"[grey]more: --limit {wanted + PageSize}, or GET /api/events?after={next}[/]");
            }
            return 0;
        }));
        return cmd;
    }

    /// <summary>The query string; a stream without the cluster id in front gets it.</summary>
    public static string Query(string clusterId, string? stream, string? type, string? since, string? until, int limit, long? after)
    {
        var parts = new List<string>();
        if (!string.IsNullOrWhiteSpace(stream))
        {
            var key = stream.StartsWith(clusterId + "/", StringComparison.Ordinal) ? stream : $"{clusterId}/{stream.TrimStart('/')}";
            parts.Add("stream=" + Uri.EscapeDataString(key));
        }
        if (!string.IsNullOrWhiteSpace(type))
        {
            parts.Add("type=" + Uri.EscapeDataString(type));
        }
        if (!string.IsNullOrWhiteSpace(since))
        {
            parts.Add("from=" + Uri.EscapeDataString(since));
        }
        if (!string.IsNullOrWhiteSpace(until))
        {
            parts.Add("to=" + Uri.EscapeDataString(until));
        }
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"limit={limit}"));
        if (after is { } a)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"after={a}"));
        }
        return "?" + string.Join('&', parts);
    }

    private static string Shorten(string s) => s.Length > 120 ? s[..120] + "..." : s;
}
