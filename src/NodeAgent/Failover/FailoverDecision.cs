using System.Globalization;
using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.Hosting.Etcd;

namespace Conjur.EventSourced.NodeAgent.Failover;

/// <summary>
/// The seed's rules for an automatic failover, as a pure function of one etcd read, so they can be
/// tested without a cluster.
///
/// Preconditions (checked once per lost term): at least two failover standbys operational, a majority
/// of members operational (by their <c>alive/</c> leases), and the synchronous standby of the lost
/// master has reported its final position. Then candidacy: WAL is one line, so the standby furthest
/// along holds every commit any synchronous standby acknowledged. Each operational failover standby
/// reports its final position (within the decision window), and only the furthest may race; when
/// several are equally far, the synchronous standby the master last named goes first. When that one is
/// behind, it first streams the missing WAL from the furthest (a cascade from a detached standby, whose
/// WAL no longer moves), so it is as far and goes first; the furthest races only if that has not
/// happened within the decision window. The master's
/// own note of its synchronous standby is not enough on its own: it is up to a cycle old, and with
/// <c>FIRST 1 (a, b)</c> Postgres moves the role by itself when a standby connects or detaches.
/// </summary>
public static class FailoverDecision
{
    /// <summary>The furthest position any standby reported for the lost term in this read (0 when none has).</summary>
    public static long HighestReported(ClusterView view, LeaderMemory lost) =>
        Reports(view, lost, FailoverSet(view, lost)).Values.DefaultIfEmpty(0).Max();

    /// <param name="floor">
    /// The furthest position reported for this term in an earlier round: if that standby won and died, its
    /// <c>status/</c> key went with it, but a later candidate must still be at least that far.
    /// </param>
    /// <param name="caughtUp">This node's catch-up for this term is over (done, or given up): it is not offered again.</param>
    public static FailoverVerdict Decide(string self, ClusterView view, LeaderMemory lost, bool preconditionsHeld, bool waitedLongEnough,
        long floor = 0, bool caughtUp = false)
    {
        if (view.Switchover is { } switchover)
        {
            return DecideSwitchover(self, view, switchover);
        }
        var failoverSet = FailoverSet(view, lost);
        if (!failoverSet.Contains(self))
        {
            return FailoverVerdict.StandBy("not in the failover set (followers and async standbys are promoted only by force)");
        }
        var reports = Reports(view, lost, failoverSet);

        if (!preconditionsHeld)
        {
            var operational = failoverSet.Count(view.Alive.Contains);
            if (operational < 2)
            {
                return FailoverVerdict.Blocked(string.Create(CultureInfo.InvariantCulture,
                    $"only {operational} failover standby operational, at least 2 are needed"));
            }
            var alive = view.Members.Keys.Count(view.Alive.Contains);
            if (alive * 2 <= view.Members.Count)
            {
                return FailoverVerdict.Blocked(string.Create(CultureInfo.InvariantCulture,
                    $"only {alive} of {view.Members.Count} members operational, a majority is needed"));
            }
            if (lost.SyncStandby is not { } sync)
            {
                return FailoverVerdict.Blocked($"{lost.LeaderId} had no synchronous standby when it was last seen");
            }
            if (!reports.ContainsKey(sync))
            {
                return waitedLongEnough
                    ? FailoverVerdict.Blocked($"the synchronous standby {sync} did not report its position after {lost.LeaderId} was lost")
                    : FailoverVerdict.Wait($"waiting for the synchronous standby {sync} to report its position");
            }
        }
        if (!reports.TryGetValue(self, out var mine))
        {
            return FailoverVerdict.Wait("own position not reported yet");
        }
        // Everyone operational reports before anyone decides: which standby acknowledged the last commits is
        // known only from the master's last report, up to a cycle old, and the master may have switched its
        // synchronous standby since (a standby reconnecting, or the synchronous one detaching before the other).
        // No window here: an operational standby that is slow to report (a loaded host) may be the one that
        // acknowledged the last commits, so deciding without it could lose them. The wait is bounded all the same:
        // a standby whose agent stops renewing its alive lease leaves the operational set within the lease TTL.
        var silent = failoverSet.Where(id => view.Alive.Contains(id) && !reports.ContainsKey(id)).Order(StringComparer.Ordinal).ToList();
        if (silent.Count > 0)
        {
            return FailoverVerdict.Wait($"waiting for {string.Join(", ", silent)} to report {(silent.Count == 1 ? "its position" : "their positions")}" +
                                        (waitedLongEnough ? " (operational, so it may hold the last acknowledged commits)" : ""));
        }
        // WAL is one line: the furthest standby holds every commit any standby acknowledged. A position reported
        // in an earlier round (a winner that died, whose report went with its lease) still counts.
        var furthest = reports.Values.Append(floor).Max();
        var first = AgreedSyncStandby(view, lost, reports.Keys);
        if (mine < furthest)
        {
            var who = reports.Where(r => r.Value == furthest).Select(r => r.Key).Order(StringComparer.Ordinal).FirstOrDefault();
            // The standby the master named takes the rest of the WAL from the furthest one (detached, so its WAL
            // no longer moves), and then goes first as on a tie: the synchronous standby becomes master.
            if (first == self && !caughtUp && who is not null && view.Alive.Contains(who))
            {
                return FailoverVerdict.CatchUp(who, furthest, string.Create(CultureInfo.InvariantCulture,
                    $"{who} reported position {furthest}, further than this node's {mine}: catching up from it"));
            }
            return FailoverVerdict.StandBy(string.Create(CultureInfo.InvariantCulture,
                $"{who ?? "an earlier candidate"} reported position {furthest}, further than this node's {mine}"));
        }
        // As far as anyone: the synchronous standby the master last named goes first; between the others, the lock decides.
        if (first is { } named && named != self && view.Alive.Contains(named) && reports.TryGetValue(named, out var syncAt))
        {
            if (syncAt >= mine)
            {
                return FailoverVerdict.StandBy(string.Create(CultureInfo.InvariantCulture,
                    $"the synchronous standby {named} is as far ({syncAt}) and goes first"));
            }
            if (!waitedLongEnough)
            {
                return FailoverVerdict.Wait(string.Create(CultureInfo.InvariantCulture,
                    $"the synchronous standby {named} is catching up from the furthest standby ({syncAt} of {mine})"));
            }
        }
        return FailoverVerdict.Race(first == self
            ? string.Create(CultureInfo.InvariantCulture, $"the synchronous standby, at position {mine}, as far as every standby that reported")
            : string.Create(CultureInfo.InvariantCulture, $"the furthest standby, at position {mine}"));
    }

    /// <summary>
    /// Which standby goes first: the synchronous standby the reporting standbys remember the master naming.
    /// Each remembers it from its own last read of the master's status, up to a cycle old, so two may differ
    /// when the role moved just before the master died; then the first by name, so every standby settles on
    /// the same one from the same reports (otherwise each could defer to the other and none would race).
    /// </summary>
    private static string? AgreedSyncStandby(ClusterView view, LeaderMemory lost, IEnumerable<string> reporters)
    {
        var named = reporters.Select(id => view.Status(id)?.SyncStandby).OfType<string>().Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).ToList();
        return named.Count == 0 ? lost.SyncStandby : named[0];
    }

    /// <summary>The standbys the lost master named in <c>synchronous_standby_names</c>: any of them may have acknowledged its commits.</summary>
    private static HashSet<string> FailoverSet(ClusterView view, LeaderMemory lost) => view.Members
        .Where(m => m.Key != lost.LeaderId && m.Value.Role == NodeRoles.Standby && !m.Value.Async)
        .Select(m => m.Key)
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>The final positions the failover standbys reported for the lost term, by node.</summary>
    private static Dictionary<string, long> Reports(ClusterView view, LeaderMemory lost, IEnumerable<string> failoverSet) => failoverSet
        .Select(id => (Id: id, Status: view.Status(id)))
        .Where(x => x.Status is { Term: { } t } && t == lost.Term && x.Status.ReceivePosition is not null)
        .ToDictionary(x => x.Id, x => x.Status!.ReceivePosition!.Value, StringComparer.Ordinal);

    private static FailoverVerdict DecideSwitchover(string self, ClusterView view, SwitchoverRecord switchover)
    {
        if (switchover.Target != self)
        {
            return FailoverVerdict.StandBy($"switchover from {switchover.From} to {switchover.Target}");
        }
        var mine = view.Status(self) is { } s ? Math.Max(s.ReceivePosition ?? 0, s.ReplayPosition ?? 0) : 0;
        return mine >= switchover.Position
            ? FailoverVerdict.Race($"switchover target, caught up at {mine.ToString(CultureInfo.InvariantCulture)}")
            : FailoverVerdict.Wait(string.Create(CultureInfo.InvariantCulture,
                $"switchover target, catching up: at {mine}, the old master stopped at {switchover.Position}"));
    }
}
