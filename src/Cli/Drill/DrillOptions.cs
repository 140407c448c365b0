using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Cli.Drill;

/// <summary>The drill's arguments, validated before anything is touched.</summary>
public sealed record DrillOptions
{
    public FaultKind Fault { get; init; } = FaultKind.Node;

    /// <summary>The switchover target (only with <see cref="FaultKind.Switchover"/>).</summary>
    public string? To { get; init; }

    /// <summary>The node the operator expects to fault: the drill refuses if it is not the current master.</summary>
    public string? Victim { get; init; }

    /// <summary>The node expected to become master; a run where another one wins is reported as a problem.</summary>
    public string? Expect { get; init; }

    public int Runs { get; init; } = 1;
    public bool Fresh { get; init; }

    /// <summary>After the last run, leave the old master fenced (or dead) instead of re-enrolling it.</summary>
    public bool LeaveFenced { get; init; }
    public bool Json { get; init; }

    /// <summary>Bound of each stage's wait (leader deleted, promoted, writes resumed, rebased).</summary>
    public TimeSpan StageTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long the writer keeps going once writes resumed, so the figures after the outage are real.</summary>
    public TimeSpan Tail { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Writes before the fault, so the outage has a "last acknowledged write before".</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A commit that takes longer counts as refused (class timeout).</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Bound of the wait for a healthy cluster before each run (after re-enrolling or a fresh start).</summary>
    public TimeSpan HealthyTimeout { get; init; } = TimeSpan.FromSeconds(180);

    public static readonly IReadOnlyList<string> FaultNames = ["node", "postgres", "freeze", "switchover"];

    public static FaultKind? ParseFault(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "node" => FaultKind.Node,
        "postgres" => FaultKind.Postgres,
        "freeze" => FaultKind.Freeze,
        "switchover" => FaultKind.Switchover,
        _ => null,
    };

    /// <summary>Every problem with the arguments, in words; empty when they are fine. <paramref name="config"/> names the nodes.</summary>
    public IReadOnlyList<string> Validate(ClusterConfig config)
    {
        var errors = new List<string>();
        var nodes = config.Nodes.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        string Known() => string.Join(", ", config.Nodes.Select(n => n.Id));
        if (Runs is < 1 or > 100)
        {
            errors.Add($"--runs {Runs}: must be between 1 and 100");
        }
        if (Fault == FaultKind.Switchover)
        {
            if (string.IsNullOrWhiteSpace(To))
            {
                errors.Add("--fault switchover needs --to NODE (the standby to hand the master role to)");
            }
            else if (!nodes.Contains(To))
            {
                errors.Add($"--to {To}: no such node (nodes: {Known()})");
            }
            else if (config.Node(To).Role == NodeRole.Follower || config.Node(To).Async)
            {
                errors.Add($"--to {To}: a {(config.Node(To).Async ? "asynchronous standby" : "follower")} is not in the failover set");
            }
        }
        else if (To is not null)
        {
            errors.Add($"--to is only for --fault switchover (the fault is {Fault.ToString().ToLowerInvariant()})");
        }
        foreach (var (name, value) in new[] { ("--victim", Victim), ("--expect", Expect) })
        {
            if (value is not null && !nodes.Contains(value))
            {
                errors.Add($"{name} {value}: no such node (nodes: {Known()})");
            }
        }
        if (Victim is not null && Victim == (Fault == FaultKind.Switchover ? To : Expect))
        {
            errors.Add($"--victim {Victim} cannot also be the node expected to become master");
        }
        foreach (var (name, value, max) in new[]
                 {
                     ("--timeout", StageTimeout, TimeSpan.FromMinutes(10)), ("--tail", Tail, TimeSpan.FromMinutes(1)),
                     ("--warmup", Warmup, TimeSpan.FromMinutes(1)), ("--write-timeout", WriteTimeout, TimeSpan.FromMinutes(1)),
                     ("--healthy-timeout", HealthyTimeout, TimeSpan.FromMinutes(30)),
                 })
        {
            if (value <= TimeSpan.Zero || value > max)
            {
                errors.Add($"{name} {value.TotalSeconds:0.###} s: must be above 0 and at most {max.TotalSeconds:0} s");
            }
        }
        return errors;
    }
}
