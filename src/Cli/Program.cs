using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Conjur.EventSourced.Cli.Audit;
using Conjur.EventSourced.Cli.Certificates;
using Conjur.EventSourced.Cli.Commands;
using Conjur.EventSourced.Cli.ControlPlaneApi;
using Conjur.EventSourced.Cli.Drill;
using Conjur.EventSourced.Cli.Failovers;
using Conjur.EventSourced.Cli.Secrets;
using Conjur.EventSourced.Cli.Replay;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Topology;
using Spectre.Console;

namespace Conjur.EventSourced.Cli;

/// <summary>The operator's entry point: <c>cluster up | status | down | drill | switchover | promote | reenroll | failovers | account create | bench secrets | audit | events | projections</c>.</summary>
public static class Program
{
    private static readonly Option<string?> StateOption = new("--state")
    {
        Description = "State folder of the cluster (default: $CONJUR_STATE_DIR, else .cluster in the repository)",
        Recursive = true,
    };

    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("Conjur.EventSourced: a self-healing Conjur-style cluster on this host");
        root.Options.Add(StateOption);
        root.Subcommands.Add(UpCommand());
        root.Subcommands.Add(StatusCommand());
        root.Subcommands.Add(DownCommand());
        root.Subcommands.Add(DrillCommand.Create());
        root.Subcommands.Add(SwitchoverCommand.Create());
        root.Subcommands.Add(PromoteCommand.Create());
        root.Subcommands.Add(ReenrollCommand.Create());
        root.Subcommands.Add(FailoversCommand.Create());
        root.Subcommands.Add(AccountCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(AuditCommand.Create());
        root.Subcommands.Add(EventsCommand.Create());
        root.Subcommands.Add(ProjectionsCommand.Create());
        root.Subcommands.Add(CertsCommand.Create());
        return await root.Parse(args).InvokeAsync();
    }

    public static string StateDir(ParseResult parse) =>
        Path.GetFullPath(parse.GetValue(StateOption)
            ?? Environment.GetEnvironmentVariable("CONJUR_STATE_DIR")
            ?? Path.Combine(Binaries.RepositoryRoot(), ".cluster"));

    private static Command UpCommand()
    {
        var basePort = new Option<int>("--base-port") { Description = "First port of the cluster's port range (only for a new cluster)", DefaultValueFactory = _ => DefaultTopology.DefaultBasePort };
        var clusterId = new Option<string>("--cluster-id") { Description = "Cluster id (etcd prefix, queue names)", DefaultValueFactory = _ => "local" };
        var cmd = new Command("up", "Install what is missing, start every part and wait until the cluster is healthy") { basePort, clusterId };
        cmd.SetAction(async (parse, ct) => await Guarded(async () =>
        {
            var state = StateDir(parse);
            var path = Path.Combine(state, "cluster.json");
            var config = File.Exists(path)
                ? ClusterConfig.Load(path)
                : DefaultTopology.Create(state, parse.GetValue(basePort), parse.GetValue(clusterId)!);
            config.Validate();
            var clock = Stopwatch.StartNew();
            var launcher = new ClusterLauncher(config, m => AnsiConsole.MarkupLineInterpolated($"[grey]{clock.Elapsed.TotalSeconds,6:0.0}s[/] {m}"));
            await launcher.UpAsync(ct);
            AnsiConsole.MarkupLineInterpolated($"[green]cluster '{config.ClusterId}' is up[/] in {clock.Elapsed.TotalSeconds:0.0} s");
            Render(await StatusReport.CollectAsync(config, ct));
            return 0;
        }));
        return cmd;
    }

    private static Command StatusCommand()
    {
        var json = new Option<bool>("--json") { Description = "One JSON document (schema in the README)" };
        var at = new Option<string?>("--at") { Description = "The cluster as the control plane knew it at this time (ISO 8601 with a zone), rebuilt from its events (GET /api/cluster?at=)" };
        var cmd = new Command("status", "Show every node's role, health and lag") { json, at };
        cmd.SetAction(async (parse, ct) => await Guarded(async () =>
        {
            var config = ClusterConfig.Load(Path.Combine(StateDir(parse), "cluster.json"));
            if (parse.GetValue(at) is { } when)
            {
                return await ClusterAtCommand.RunAsync(config, when, parse.GetValue(json), ct);
            }
            var report = await StatusReport.CollectAsync(config, ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, StatusReport.Json));
            }
            else
            {
                Render(report);
            }
            return 0;
        }));
        return cmd;
    }

    private static Command DownCommand()
    {
        var wipe = new Option<bool>("--wipe") { Description = "Also delete the state folder (all data)" };
        var cmd = new Command("down", "Stop every part of the cluster by PID; data is kept unless --wipe") { wipe };
        cmd.SetAction(async (parse, ct) => await Guarded(async () =>
        {
            var path = Path.Combine(StateDir(parse), "cluster.json");
            if (!File.Exists(path))
            {
                AnsiConsole.MarkupLine("[grey]no cluster here: nothing to stop[/]");
                return 0;
            }
            var launcher = new ClusterLauncher(ClusterConfig.Load(path), m => AnsiConsole.MarkupLineInterpolated($"[grey]{m}[/]"));
            await launcher.DownAsync(parse.GetValue(wipe), ct);
            var left = launcher.RunningPids();
            if (left.Count > 0)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]still running: {string.Join(", ", left)}[/]");
                return 1;
            }
            AnsiConsole.MarkupLine("[green]cluster stopped[/]");
            return 0;
        }));
        return cmd;
    }

    /// <summary>Runs a command's body, turning the failures an operator can act on into one clear line and an exit code.</summary>
    internal static async Task<int> Guarded(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (ConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"cluster: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is TimeoutException or Hosting.Processes.CommandFailedException or FileNotFoundException
                                       or ControlPlaneException or DrillException or Hosting.Etcd.EtcdUnavailableException or SecretsApiException or HttpRequestException)
        {
            await Console.Error.WriteLineAsync($"cluster: {e.Message}");
            return 1;
        }
    }

    private static void Render(StatusReport r)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("node", "role", "sync", "healthy", "/health", "lag (bytes)", "api", "postgres", "agent pid", "pg pid");
        foreach (var n in r.Nodes)
        {
            table.AddRow(
                Markup.Escape(n.Id),
                // A fenced former master still says "master" on /health: show it is out of service, and why.
                n.FenceReason is { } why ? $"[red]fenced[/] ({Markup.Escape(n.Role)}: {Markup.Escape(why)})"
                    : n.Role == "master" ? $"[bold green]{n.Role}[/]" : n.Role,
                n.Sync switch { true => "sync", false => n.Async ? "async" : "potential", null => "" },
                n.Healthy ? "[green]yes[/]" : "[red]no[/]",
                n.HealthStatus == 0 ? "[red]down[/]" : n.HealthStatus.ToString(System.Globalization.CultureInfo.InvariantCulture),
                n.ReplicationLagBytes?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
                Markup.Escape(n.Api), Markup.Escape(n.Postgres),
                n.AgentPid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
                n.PostgresPid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "");
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"load balancer: {r.LoadBalancer.Http}  postgres {r.LoadBalancer.Postgres}  (psql \"{r.LoadBalancer.PostgresDsn}\")");
        AnsiConsole.MarkupLineInterpolated($"control plane: {r.ControlPlane}/api/cluster   etcd: {string.Join(",", r.Etcd)}   rabbitmq: {r.Rabbitmq}");
        AnsiConsole.MarkupLineInterpolated($"state: {r.StateDir}");
    }
}
