using System.Globalization;
using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.ControlPlane.ClusterStatus;

/// <summary>
/// Whether an automatic failover could run if the master died now, judged on the projected view with
/// the agents' own preconditions (docs/failover.md, <c>FailoverDecision</c>): at least two failover
/// standbys operational, a majority of members alive, and a synchronous standby. The agents decide
/// from etcd at the time; this is the operator's forecast from the event store, and says why not.
/// </summary>
/// <param name="Ready">Every precondition holds.</param>
/// <param name="Reasons">Each unmet precondition in words; empty when ready.</param>
/// <param name="FailoverStandbys">Healthy standbys in the failover set (not asynchronous, not the master).</param>
/// <param name="MembersAlive">Members whose heartbeat is fresh.</param>
/// <param name="Members">Every member the view knows.</param>
/// <param name="SyncStandby">The standby the master reports as synchronous, if any.</param>
public sealed record FailoverReadiness(bool Ready, IReadOnlyList<string> Reasons, int FailoverStandbys, int MembersAlive, int Members, string? SyncStandby)
{
    public static FailoverReadiness Judge(ClusterConfig config, IReadOnlyList<NodeView> nodes, string? master, IReadOnlySet<string> alive)
    {
        var asyncNodes = config.Nodes.Where(n => n.Async).Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        var standbys = nodes
            .Where(n => n.Id != master && n.Role == NodeRoles.Standby && !asyncNodes.Contains(n.Id) && n.Healthy)
            .ToList();
        var sync = standbys.FirstOrDefault(n => n.Sync == true)?.Id;
        var membersAlive = nodes.Count(n => alive.Contains(n.Id));

        var reasons = new List<string>();
        if (master is null)
        {
            reasons.Add("no healthy master: nothing to fail over from (a failover may be running)");
        }
        if (standbys.Count < 2)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"only {standbys.Count} failover standby operational, at least 2 are needed"));
        }
        if (membersAlive * 2 <= nodes.Count)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"only {membersAlive} of {nodes.Count} members operational, a majority is needed"));
        }
        if (sync is null)
        {
            reasons.Add("no synchronous standby");
        }
        return new FailoverReadiness(reasons.Count == 0, reasons, standbys.Count, membersAlive, nodes.Count, sync);
    }
}
