using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conjur.EventSourced.Cli.Drill;

/// <summary>Every run of a drill and the median and maximum of each figure: what <c>cluster drill</c> prints.</summary>
public sealed record DrillReport(string Cluster, string Fault, IReadOnlyList<DrillRunResult> Runs, IReadOnlyList<FigureSummary> Summary)
{
    public bool Clean => Runs.All(r => r.Problems.Count == 0);

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The figures summarised over runs, in the order of the failover.</summary>
    public static readonly IReadOnlyList<(string Name, Func<DrillRunResult, double?> Get)> Figures =
    [
        ("leader deleted (ms)", r => r.LeaderDeletedMs),
        ("lock acquired (ms)", r => r.LockAcquiredMs),
        ("leader created (ms)", r => r.LeaderCreatedMs),
        ("promoted, /health 200 (ms)", r => r.PromotedMs),
        ("writes resumed (ms)", r => r.WritesResumedMs),
        ("write outage (ms)", r => r.WriteOutageMs),
        ("standbys rebased (ms)", r => r.RebasedMs),
        ("acked writes missing", r => r.MissingOnNewMaster),
        ("writes refused", r => r.ErrorsByClass.Values.Sum()),
        ("writes misrouted (read-only)", r => r.ErrorsByClass.GetValueOrDefault("read-only")),
    ];

    public static DrillReport From(string cluster, string fault, IReadOnlyList<DrillRunResult> runs) =>
        new(cluster, fault, runs, Figures.Select(f => FigureSummary.Of(f.Name, runs.Select(f.Get))).ToList());

    public static string RunLine(DrillRunResult r)
    {
        static string T(double? ms) => ms is { } v ? (v / 1000).ToString("0.000", CultureInfo.InvariantCulture) + "s" : "-";
        var s = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"run {r.Run} {r.Fault} {r.OldMaster}->{r.NewMaster ?? "?"}")
            .Append(CultureInfo.InvariantCulture, $"  deleted {T(r.LeaderDeletedMs)} lock {T(r.LockAcquiredMs)}{(r.LockHolder is null ? "" : $"({r.LockHolder})")}")
            .Append(CultureInfo.InvariantCulture, $" leader {T(r.LeaderCreatedMs)} promoted {T(r.PromotedMs)} writes {T(r.WritesResumedMs)} (outage {T(r.WriteOutageMs)})")
            .Append(CultureInfo.InvariantCulture, $" rebased {T(r.RebasedMs)}{(r.RebasedBy is null ? "" : $"[{r.RebasedBy}]")}")
            .Append(CultureInfo.InvariantCulture, $"  acked {r.Acknowledged} missing {r.MissingOnNewMaster?.ToString(CultureInfo.InvariantCulture) ?? "?"}")
            .Append("  errors ").Append(string.Join(" ", r.ErrorsByClass.Select(kv => $"{kv.Key}={kv.Value}")))
            .Append(CultureInfo.InvariantCulture, $"  old master write: {r.OldMasterWrite}");
        return s.ToString();
    }

    public string Text()
    {
        var s = new StringBuilder();
        foreach (var r in Runs)
        {
            s.AppendLine(RunLine(r));
            foreach (var p in r.Problems)
            {
                s.AppendLine(CultureInfo.InvariantCulture, $"  problem: {p}");
            }
        }
        s.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"{"figure",-30} {"median",10} {"max",10} {"runs",5}");
        foreach (var f in Summary)
        {
            static string V(double? v) => v?.ToString("0.#", CultureInfo.InvariantCulture) ?? "-";
            s.AppendLine(CultureInfo.InvariantCulture, $"{f.Figure,-30} {V(f.Median),10} {V(f.Max),10} {f.Runs,5}/{Runs.Count}");
        }
        s.Append(Clean ? "clean: no stage timed out, no acknowledged write lost, no second writable master" : "PROBLEMS: see the lines above");
        return s.ToString();
    }
}
