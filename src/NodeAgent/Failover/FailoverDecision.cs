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
/// master has reported its final position. Then candidacy: the synchronous standby acknowledged every
/// commit the clients saw, so while it lives it alone races; if it is gone (it won and died), a standby
/// at least as far as it reported may race, the furthest first.
/// </summary>
public static class FailoverDecision
{
    /// <param name="floor">
    /// The synchronous standby's position as reported for this term in an earlier round: if it won and
    /// died, its <c>status/</c> key went with it, but a later candidate must still be at least that far.
    /// </param>
    /// <summary>The synchronous standby's position reported for the lost term in this read (0 when it has not reported).</summary>
    public static long SyncReported(ClusterView view, LeaderMemory lost) =>
        lost.SyncStandby is { } sync && view.Status(sync) is { } s && s.Term == lost.Term ? s.ReceivePosition ?? 0 : 0;

    public static FailoverVerdict Decide(string self, ClusterView view, LeaderMemory lost, bool preconditionsHeld, bool waitedLongEnough, long floor = 0)
    {
        if (view.Switchover is { } switchover)
        {
            return DecideSwitchover(self, view, switchover);
        }
        var failoverSet = view.Members
            .Where(m => m.Key != lost.LeaderId && m.Value.Role == NodeRoles.Standby && !m.Value.Async)
            .Select(m => m.Key)
            .ToHashSet(StringComparer.Ordinal);
        if (!failoverSet.Contains(self))
        {
            return FailoverVerdict.StandBy("not in the failover set (followers and async standbys are promoted only by force)");
        }
        var reports = failoverSet
            .Select(id => (Id: id, Status: view.Status(id)))
            .Where(x => x.Status is { Term: { } t } && t == lost.Term && x.Status.ReceivePosition is not null)
            .ToDictionary(x => x.Id, x => x.Status!.ReceivePosition!.Value, StringComparer.Ordinal);

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
        // The synchronous standby holds every acknowledged commit: while it lives it is the one to promote,
        // even if another standby received a little more (those records were never acknowledged to anyone).
        if (lost.SyncStandby is { } syncStandby && reports.ContainsKey(syncStandby) && view.Alive.Contains(syncStandby))
        {
            return syncStandby == self
                ? FailoverVerdict.Race(string.Create(CultureInfo.InvariantCulture, $"the synchronous standby, at position {mine}"))
                : FailoverVerdict.StandBy($"the synchronous standby {syncStandby} goes first");
        }
        // It is gone (it won and died, say): anyone at least as far as it was may go, the furthest first.
        var syncFloor = lost.SyncStandby is { } gone && reports.TryGetValue(gone, out var goneAt) ? Math.Max(goneAt, floor) : floor;
        if (mine < syncFloor)
        {
            return FailoverVerdict.StandBy(string.Create(CultureInfo.InvariantCulture,
                $"the synchronous standby reported position {syncFloor}, further than this node's {mine}"));
        }
        var ahead = reports.Where(r => r.Value > mine && view.Alive.Contains(r.Key)).OrderByDescending(r => r.Value).FirstOrDefault();
        if (ahead.Key is not null)
        {
            return FailoverVerdict.StandBy(string.Create(CultureInfo.InvariantCulture,
                $"{ahead.Key} is further ahead ({ahead.Value} > {mine})"));
        }
        return FailoverVerdict.Race(string.Create(CultureInfo.InvariantCulture,
            $"eligible at position {mine}, at least as far as the synchronous standby was"));
    }

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
