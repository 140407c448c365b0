using System.Text.Json;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Etcd;

/// <summary>
/// The value of <c>status/{node}</c>, written by each agent every cycle under its alive lease: the
/// positions a failover compares to choose a candidate, and what replicas measure their lag against.
/// On the master, <see cref="SyncStandby"/> names the standby Postgres currently counts as synchronous.
/// After the leader is lost, a standby writes its final received position with <see cref="Term"/> set
/// to the lost leader's term, which is what candidates compare, and in <see cref="SyncStandby"/> the
/// synchronous standby it remembers the master naming (standbys may remember differently when the role
/// moved within the master's last cycle; the decision settles that from these reports).
/// </summary>
public sealed record NodeStatusRecord(
    string Role,
    bool PostgresRunning,
    bool InRecovery,
    int? Timeline,
    long? WalPosition,
    long? ReceivePosition,
    long? ReplayPosition,
    DateTimeOffset ObservedAt,
    string? SyncStandby = null,
    long? Term = null)
{
    public string ToJson() => JsonSerializer.Serialize(this, ClusterConfig.Json);

    public static NodeStatusRecord? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<NodeStatusRecord>(json, ClusterConfig.Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
