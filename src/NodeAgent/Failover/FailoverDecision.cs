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
/// master has reported its final position. Then candidacy: only a standby whose final received
/// position is at least every other reported position may race. The synchronous standby acknowledged
/// every commit the clients saw, so being at least as far as it means holding them all; being at
/// least as far as everyone also means the fewest replicas have to rewind.
/// </summary>
public static class FailoverDecision
{
    /// <param name="floor">
    /// The highest position any standby reported for this term in an earlier round: a winner that died
    /// takes its <c>status/</c> key with it, but a later candidate must still be at least that far.
    /// </param>
    /// <summary>The highest position reported for the lost term in this read.</summary>
    public static long HighestReported(ClusterView view, long term) =>
        view.Statuses.Values.Where(s => s.Term == term && s.InRecovery).Select(s => s.ReceivePosition ?? 0).DefaultIfEmpty(0).Max();

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
            var missing = failoverSet.Where(id => view.Alive.Contains(id) && !reports.ContainsKey(id)).ToList();
            if (missing.Count > 0 && !waitedLongEnough)
            {
                return FailoverVerdict.Wait($"waiting for {string.Join(", ", missing)} to report its position");
            }
        }
        if (!reports.TryGetValue(self, out var mine))
        {
            return FailoverVerdict.Wait("own position not reported yet");
        }
        if (mine < floor)
        {
            return FailoverVerdict.StandBy(string.Create(CultureInfo.InvariantCulture,
                $"a standby that has since gone reported position {floor}, further than this node's {mine}"));
        }
        var ahead = reports.Where(r => r.Value > mine).OrderByDescending(r => r.Value).FirstOrDefault();
        if (ahead.Key is not null)
        {
            return FailoverVerdict.StandBy(string.Create(CultureInfo.InvariantCulture,
                $"{ahead.Key} is further ahead ({ahead.Value} > {mine})"));
        }
        return FailoverVerdict.Race(string.Create(CultureInfo.InvariantCulture,
            $"eligible at position {mine}, at least as far as {string.Join(", ", reports.Keys.Where(k => k != self).Order(StringComparer.Ordinal))}"));
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
