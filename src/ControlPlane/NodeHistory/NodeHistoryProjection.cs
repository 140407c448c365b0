using System.Globalization;
using Conjur.EventSourced.ControlPlane.ClusterStatus;
using Conjur.EventSourced.ControlPlane.Heartbeats;
using Conjur.EventSourced.ControlPlane.Retention;
using Marten.Events.Aggregation;

namespace Conjur.EventSourced.ControlPlane.NodeHistory;

/// <summary>
/// One <see cref="NodeHistory"/> per node stream. Async (the daemon): it is for people reading what
/// happened, a second behind is fine, and it keeps its work off the ingest transaction. It handles only
/// the state-change types, so the daemon never fetches the samples for it (they are most of the events):
/// a sample by definition changes none of the fields a change is told by, so the changes come out the same,
/// and a rebuild gives the same changes whether or not retention has removed samples since. It still
/// tells changes itself (the recorder's rule), so state changes stored twice describe one change.
/// </summary>
public sealed class NodeHistoryProjection : SingleStreamProjection<NodeHistory, string>
{
    public const string ProjectionName = "NodeHistory";
    public const int MaxChanges = 500;

    public NodeHistoryProjection() => Name = ProjectionName;

    public static NodeHistory Apply(HeartbeatRecorded e, NodeHistory h) => Report(h, e);

    // No Apply for HeartbeatSampled or ReplicationLagSampled: see the summary.

    public static NodeHistory Apply(ReplicationLagRecorded e, NodeHistory h) => Report(h, e);

    public static NodeHistory Apply(HeartbeatsCompacted e, NodeHistory h) =>
        Add(Named(h, e.ClusterId, e.NodeId), e.CompactedAt, string.Create(CultureInfo.InvariantCulture,
            $"raw reports stored {e.FirstRecordedAt:u} to {e.LastRecordedAt:u} compacted: {e.Heartbeats} heartbeats, {e.LagReports} lag reports")) with
        {
            CompactedReports = h.CompactedReports + e.Heartbeats + e.LagReports,
        };

    public static NodeHistory Report(NodeHistory h, INodeEvent e)
    {
        if (!NodeEventOrder.IsNew(h.Last, e))
        {
            return h;
        }
        h = Named(h, e.ClusterId, e.NodeId);
        var next = NodeStatusProjection.Evolve(h.Last, e);
        if (NodeReportClassifier.IsStateChange(h.Last, e))
        {
            h = Add(h, e.ObservedAt, Describe(h.Last, next, e));
        }
        return h with { Last = next, ChangeReports = h.ChangeReports + 1, FirstSeenAt = h.FirstSeenAt ?? e.ObservedAt };
    }

    /// <summary>The change in words; several facts of one report are joined with "; ".</summary>
    public static string Describe(NodeStatus? before, NodeStatus after, INodeEvent e)
    {
        var what = new List<string>();
        if (e is IHeartbeatReport)
        {
            if (before?.AgentInstance is null)
            {
                what.Add($"first heartbeat: {after.Role}, {(after.Healthy ? "healthy" : "unhealthy")}");
            }
            else
            {
                if (before.AgentInstance != after.AgentInstance)
                {
                    what.Add("agent restarted");
                }
                if (before.Role != after.Role)
                {
                    what.Add($"role {before.Role} -> {after.Role}");
                }
                if (before.Healthy != after.Healthy || before.Problem != after.Problem)
                {
                    what.Add(after.Healthy ? "healthy" : $"unhealthy: {after.Problem ?? "no reason given"}");
                }
                if (before.Fenced != after.Fenced)
                {
                    what.Add(after.Fenced ? "fenced" : "no longer fenced");
                }
                if (before.PostgresRunning != after.PostgresRunning)
                {
                    what.Add(after.PostgresRunning ? "postgres running" : "postgres stopped");
                }
            }
        }
        else
        {
            if (before?.Timeline != after.Timeline)
            {
                what.Add(string.Create(CultureInfo.InvariantCulture, $"timeline {before?.Timeline?.ToString(CultureInfo.InvariantCulture) ?? "?"} -> {after.Timeline}"));
            }
            if (after.Replicas.Count > 0 || before?.Replicas.Count > 0)
            {
                what.Add("replicas: " + (after.Replicas.Count == 0 ? "none" : string.Join(", ", after.Replicas.Select(r => $"{r.NodeId} {r.SyncState} ({r.State})"))));
            }
            if (what.Count == 0)
            {
                what.Add(before?.LagAgentInstance is null ? "first lag report" : "agent restarted (lag reports)");
            }
        }
        return what.Count == 0 ? "state change" : string.Join("; ", what);
    }

    private static NodeHistory Named(NodeHistory h, string clusterId, string nodeId) =>
        h.NodeId.Length > 0 ? h : h with { Id = NodeStream.Key(clusterId, nodeId), ClusterId = clusterId, NodeId = nodeId };

    private static NodeHistory Add(NodeHistory h, DateTimeOffset at, string what)
    {
        var changes = h.Changes.Count >= MaxChanges ? h.Changes.Skip(h.Changes.Count - MaxChanges + 1).ToList() : h.Changes.ToList();
        changes.Add(new NodeChange(at, what));
        return h with { Changes = changes };
    }
}
