using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.ControlPlane.Heartbeats;

namespace Conjur.EventSourced.Tests.Unit.ClusterStatus;

/// <summary>Stored node events for tests, with a clock that advances one second per sequence.</summary>
public static class NodeReports
{
    public const string Cluster = "unit";
    public static readonly DateTimeOffset T0 = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);
    public static readonly Guid Agent = Guid.Parse("11111111-1111-1111-1111-111111111111");

    public static HeartbeatRecorded Heartbeat(string node, long seq, string role = NodeRoles.Standby, bool healthy = true,
        Guid? agent = null, DateTimeOffset? at = null, string cluster = Cluster) =>
        new(cluster, node, agent ?? Agent, seq, role, healthy, PostgresRunning: true, Fenced: false,
            Problem: healthy ? null : "postgres is not running", at ?? T0.AddSeconds(seq));

    public static ReplicationLagRecorded Lag(string node, long seq, string role = NodeRoles.Standby, long? lagBytes = 0,
        IReadOnlyList<ReplicaSeen>? replicas = null, int timeline = 1, Guid? agent = null, DateTimeOffset? at = null, string cluster = Cluster) =>
        new(cluster, node, agent ?? Agent, seq, role, timeline, WalPosition: 1000 + seq, ReceivePosition: 1000 + seq,
            lagBytes, LagSeconds: 0.1, replicas ?? [], at ?? T0.AddSeconds(seq));

    public static ReplicaSeen Replica(string node, string syncState) =>
        new(node, "streaming", syncState, ReplayPosition: 1000, LagBytes: 0, ReplayLagSeconds: 0);
}
