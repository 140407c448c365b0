using Etcdserverpb;

namespace Conjur.EventSourced.Hosting.Etcd;

/// <summary>
/// One consistent read of a cluster's keys (a single range request, so one etcd revision): who leads,
/// who is a member, who is alive, where each node's WAL stands.
/// </summary>
public sealed record ClusterView(
    long Revision,
    string? LeaderId,
    long LeaderLease,
    IReadOnlyDictionary<string, MemberRecord> Members,
    IReadOnlyDictionary<string, long> MemberRevisions,
    IReadOnlySet<string> Alive,
    IReadOnlyDictionary<string, NodeStatusRecord> Statuses,
    string? PromotionLockHolder,
    long LeaderTerm = 0,
    long PromotionLockLease = 0,
    SwitchoverRecord? Switchover = null)
{
    public static ClusterView From(ClusterKeys keys, RangeResponse range)
    {
        string? leader = null;
        long leaderLease = 0;
        string? lockHolder = null;
        long leaderTerm = 0;
        long lockLease = 0;
        SwitchoverRecord? switchover = null;
        var members = new Dictionary<string, MemberRecord>();
        var memberRevisions = new Dictionary<string, long>();
        var alive = new HashSet<string>();
        var statuses = new Dictionary<string, NodeStatusRecord>();
        foreach (var kv in range.Kvs)
        {
            var key = kv.Key.ToStringUtf8();
            var value = kv.Value.ToStringUtf8();
            if (key == keys.Leader)
            {
                leader = value;
                leaderLease = kv.Lease;
                // The key's create revision names the leader's term: it changes each time someone takes the key.
                leaderTerm = kv.CreateRevision;
            }
            else if (key == keys.PromotionLock)
            {
                lockHolder = value;
                lockLease = kv.Lease;
            }
            else if (key == keys.Switchover)
            {
                switchover = SwitchoverRecord.Parse(value);
            }
            else if (key.StartsWith(keys.MembersPrefix, StringComparison.Ordinal))
            {
                if (MemberRecord.Parse(value) is { } m)
                {
                    var id = ClusterKeys.NodeFromKey(keys.MembersPrefix, key);
                    members[id] = m;
                    memberRevisions[id] = kv.ModRevision;
                }
            }
            else if (key.StartsWith(keys.AlivePrefix, StringComparison.Ordinal))
            {
                alive.Add(ClusterKeys.NodeFromKey(keys.AlivePrefix, key));
            }
            else if (key.StartsWith(keys.StatusPrefix, StringComparison.Ordinal) && NodeStatusRecord.Parse(value) is { } s)
            {
                statuses[ClusterKeys.NodeFromKey(keys.StatusPrefix, key)] = s;
            }
        }
        return new ClusterView(range.Header?.Revision ?? 0, leader, leaderLease, members, memberRevisions, alive, statuses, lockHolder,
            leaderTerm, lockLease, switchover);
    }

    public MemberRecord? Member(string id) => Members.GetValueOrDefault(id);
    public NodeStatusRecord? Status(string id) => Statuses.GetValueOrDefault(id);
}
