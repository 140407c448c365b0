using System.Globalization;
using System.Text.Json;
using Conjur.EventSourced.Cli.ControlPlaneApi;
using Conjur.EventSourced.Hosting.Topology;
using Spectre.Console;

namespace Conjur.EventSourced.Cli.Replay;

/// <summary><c>cluster status --at T</c>: the cluster as the control plane knew it at T, rebuilt from its events (<c>GET /api/cluster?at=T</c>).</summary>
public static class ClusterAtCommand
{
    public static async Task<int> RunAsync(ClusterConfig config, string at, bool json, CancellationToken ct)
    {
        using var client = new ControlPlaneClient(config, TimeSpan.FromSeconds(60));
        var answer = await client.GetAsync("api/cluster?at=" + Uri.EscapeDataString(at), ct);
        if (json)
        {
            Console.WriteLine(answer?.GetRawText());
            return 0;
        }
        if (answer is not { ValueKind: JsonValueKind.Object } view)
        {
            throw new ControlPlaneException("the control plane answered /api/cluster?at= with no view");
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumns("node", "role", "sync", "healthy", "problem", "last heartbeat (UTC)", "lag (bytes)", "timeline");
        foreach (var n in view.GetProperty("nodes").EnumerateArray())
        {
            table.AddRow(
                Markup.Escape(Text(n, "id")),
                Text(n, "role") == "master" ? "[bold green]master[/]" : Markup.Escape(Text(n, "role")),
                n.GetProperty("sync").ValueKind switch { JsonValueKind.True => "sync", JsonValueKind.False => "potential", _ => "" },
                n.GetProperty("healthy").GetBoolean() ? "[green]yes[/]" : "[red]no[/]",
                Markup.Escape(Text(n, "problem")),
                n.GetProperty("lastHeartbeatAt").ValueKind == JsonValueKind.String
                    ? n.GetProperty("lastHeartbeatAt").GetDateTimeOffset().UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) : "",
                Text(n, "lagBytes"), Text(n, "timeline"));
        }
        AnsiConsole.MarkupLineInterpolated($"cluster '{Text(view, "clusterId")}' as of {Text(view, "generatedAt")}: master [bold]{(Text(view, "master") is { Length: > 0 } m ? m : "none")}[/]");
        AnsiConsole.Write(table);
        if (view.TryGetProperty("failover", out var f) && f.ValueKind == JsonValueKind.Object)
        {
            var reasons = f.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()).ToList();
            AnsiConsole.MarkupLineInterpolated($"automatic failover possible: {(f.GetProperty("ready").GetBoolean() ? "yes" : "no: " + string.Join("; ", reasons))}");
        }
        return 0;
    }

    private static string Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString() ?? "",
            JsonValueKind.Null or JsonValueKind.Undefined => "",
            _ => v.GetRawText(),
        } : "";
}
