using System.CommandLine;
using System.Text.Json;
using Conjur.EventSourced.Cli.ControlPlaneApi;
using Conjur.EventSourced.Hosting.Topology;
using Spectre.Console;

namespace Conjur.EventSourced.Cli.Failovers;

/// <summary><c>cluster failovers</c>: every failover, switchover and forced promotion the control plane recorded.</summary>
public static class FailoversCommand
{
    private static readonly string[] Columns = ["failoverId", "kind", "state", "formerMaster", "candidate", "newMaster", "startedAt", "completedAt"];

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the control plane's JSON as it is" };
        var cmd = new Command("failovers", "List the failovers the control plane recorded (GET /api/failovers)") { json };
        cmd.SetAction(async (parse, ct) => await Program.Guarded(async () =>
        {
            var config = ClusterConfig.Load(Path.Combine(Program.StateDir(parse), "cluster.json"));
            using var client = new ControlPlaneClient(config);
            var answer = await client.ListFailoversAsync(ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(answer?.GetRawText() ?? "[]");
                return 0;
            }
            var rows = Rows(answer);
            if (rows.Count == 0)
            {
                Console.WriteLine("no failovers recorded");
                return 0;
            }
            var present = Columns.Where(c => rows.Any(r => r.TryGetProperty(c, out _))).ToList();
            var table = new Table().Border(TableBorder.Rounded).AddColumns(present.Select(c => new TableColumn(c)).ToArray());
            foreach (var r in rows)
            {
                table.AddRow(present.Select(c => Markup.Escape(r.TryGetProperty(c, out var v) ? (v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : v.GetRawText()) : "")).ToArray());
            }
            AnsiConsole.Write(table);
            return 0;
        }));
        return cmd;
    }

    /// <summary>The list, whether the control plane answers with an array or with an object holding one (<c>failovers</c> or <c>items</c>).</summary>
    public static IReadOnlyList<JsonElement> Rows(JsonElement? answer) => answer switch
    {
        { ValueKind: JsonValueKind.Array } a => a.EnumerateArray().ToList(),
        { ValueKind: JsonValueKind.Object } o when o.TryGetProperty("failovers", out var f) && f.ValueKind == JsonValueKind.Array => f.EnumerateArray().ToList(),
        { ValueKind: JsonValueKind.Object } o when o.TryGetProperty("items", out var i) && i.ValueKind == JsonValueKind.Array => i.EnumerateArray().ToList(),
        _ => [],
    };
}
