using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Conjur.EventSourced.Cli.ControlPlaneApi;
using Conjur.EventSourced.Hosting.Topology;
using Spectre.Console;

namespace Conjur.EventSourced.Cli.Replay;

/// <summary><c>cluster projections [--json]</c> and <c>cluster projections rebuild [--projection NAME]</c>.</summary>
public static class ProjectionsCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "The control plane's JSON as it is", Recursive = true };
        var cmd = new Command("projections", "The control plane's projections, their lifecycle and progress (GET /api/projections)") { json };
        cmd.SetAction(async (parse, ct) => await Program.Guarded(async () =>
        {
            var config = ClusterConfig.Load(Path.Combine(Program.StateDir(parse), "cluster.json"));
            using var client = new ControlPlaneClient(config);
            var answer = await client.GetAsync("api/projections", ct);
            Console.WriteLine(parse.GetValue(json) ? answer?.GetRawText() : Render(answer));
            return 0;
        }));

        var only = new Option<string?>("--projection") { Description = "Only this one (NodeStatus, FailoverTimeline, NodeHistory)" };
        var rebuild = new Command("rebuild", "Replay the whole event store into the projections and print the time (POST /api/projections/rebuild)") { only };
        rebuild.SetAction(async (parse, ct) => await Program.Guarded(async () =>
        {
            var config = ClusterConfig.Load(Path.Combine(Program.StateDir(parse), "cluster.json"));
            using var client = new ControlPlaneClient(config, TimeSpan.FromMinutes(60));
            var name = parse.GetValue(only);
            AnsiConsole.MarkupLine("[grey]rebuilding (the control plane replays every stored event)...[/]");
            var answer = await client.PostAsync("api/projections/rebuild" + (name is null ? "" : "?projection=" + Uri.EscapeDataString(name)), ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(answer?.GetRawText());
                return 0;
            }
            if (answer is not { ValueKind: JsonValueKind.Object } r)
            {
                throw new ControlPlaneException("the control plane answered the rebuild with no report");
            }
            foreach (var p in r.GetProperty("projections").EnumerateArray())
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {p.GetProperty("name").GetString(),-18} {p.GetProperty("lifecycle").GetString(),-7} {p.GetProperty("seconds").GetDouble(),8:0.00} s"));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"rebuilt from {r.GetProperty("events").GetInt64():N0} events in {r.GetProperty("totalSeconds").GetDouble():0.00} s ({r.GetProperty("eventsPerSecond").GetDouble():N0} events/s)"));
            return 0;
        }));
        cmd.Subcommands.Add(rebuild);
        return cmd;
    }

    private static string Render(JsonElement? answer)
    {
        if (answer is not { ValueKind: JsonValueKind.Object } a)
        {
            return "(no answer)";
        }
        var lines = new List<string> { string.Create(CultureInfo.InvariantCulture, $"events stored: {a.GetProperty("events").GetInt64():N0}, last sequence {a.GetProperty("lastSequence").GetInt64()}") };
        foreach (var p in a.GetProperty("projections").EnumerateArray())
        {
            var seq = p.GetProperty("sequence");
            lines.Add($"  {p.GetProperty("name").GetString(),-18} {p.GetProperty("lifecycle").GetString(),-7} at sequence {(seq.ValueKind == JsonValueKind.Number ? seq.GetRawText() : "-")}");
        }
        return string.Join(Environment.NewLine, lines);
    }
}
