using System.Diagnostics;
using Conjur.EventSourced.ControlPlane.ClusterStatus;
using Conjur.EventSourced.ControlPlane.Failover.Timeline;
using Conjur.EventSourced.ControlPlane.NodeHistory;
using JasperFx.Events.Daemon;

namespace Conjur.EventSourced.ControlPlane.Projections;

/// <summary>
/// Replays the whole event store into the projections, one after the other, and times each. Marten's
/// rebuild clears the projection's documents and progress and runs the events through it from the
/// first; an async projection's shard is stopped meanwhile and restarted after. The inline node status
/// keeps being written by live ingest while it rebuilds: a node touched during the rebuild is right
/// again at its next report (every status field is "last seen").
/// </summary>
public static class ProjectionRebuild
{
    /// <summary>Every projection, in the order they are rebuilt, with its lifecycle.</summary>
    public static readonly IReadOnlyList<(string Name, string Lifecycle)> All =
    [
        (NodeStatusProjection.ProjectionName, "inline"),
        (FailoverTimelineProjection.ProjectionName, "async"),
        (NodeHistoryProjection.ProjectionName, "async"),
    ];

    public static readonly TimeSpan ShardTimeout = TimeSpan.FromMinutes(30);

    public static async Task<RebuildReport> RunAsync(IProjectionDaemon daemon, string? only, long events, CancellationToken ct)
    {
        var chosen = All.Where(p => only is null || string.Equals(p.Name, only, StringComparison.OrdinalIgnoreCase)).ToList();
        if (chosen.Count == 0)
        {
            throw new ArgumentException($"no projection '{only}'; there are {string.Join(", ", All.Select(p => p.Name))}");
        }
        var total = Stopwatch.StartNew();
        var timed = new List<RebuiltProjection>();
        foreach (var (name, lifecycle) in chosen)
        {
            var clock = Stopwatch.StartNew();
            await daemon.RebuildProjectionAsync(name, ShardTimeout, ct);
            timed.Add(new RebuiltProjection(name, lifecycle, clock.Elapsed.TotalSeconds));
        }
        return new RebuildReport(events, timed, total.Elapsed.TotalSeconds);
    }
}
