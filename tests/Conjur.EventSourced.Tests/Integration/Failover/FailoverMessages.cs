using Conjur.EventSourced.Contracts.Failover;

namespace Conjur.EventSourced.Tests.Integration.Failover;

/// <summary>The agents' side of the conversation, with the defaults of a four-node cluster that lost node1.</summary>
public static class FailoverMessages
{
    public static PromotionLockAcquired Lock(string cluster, Guid id, string candidate, string[] replicas, string kind = FailoverKinds.Automatic, string formerMaster = "node1") => new()
    {
        FailoverId = id,
        ClusterId = cluster,
        Kind = kind,
        Candidate = candidate,
        FormerMaster = formerMaster,
        Term = 7,
        Position = 123_456,
        Replicas = replicas,
        AcquiredAt = DateTimeOffset.UtcNow,
    };

    public static MasterPromoted Promoted(string cluster, Guid id, string node, string formerMaster = "node1") => new()
    {
        FailoverId = id,
        ClusterId = cluster,
        NodeId = node,
        FormerMaster = formerMaster,
        Timeline = 2,
        SwitchPosition = 123_456,
        PromotedAt = DateTimeOffset.UtcNow,
    };

    public static StandbyRebased Rebased(string cluster, Guid id, string node, string newMaster) => new()
    {
        FailoverId = id,
        ClusterId = cluster,
        NodeId = node,
        NewMaster = newMaster,
        Method = RebaseMethods.Followed,
        RebasedAt = DateTimeOffset.UtcNow,
    };

    public static StandbyRebaseFailed RebaseFailed(string cluster, Guid id, string node) => new()
    {
        FailoverId = id,
        ClusterId = cluster,
        NodeId = node,
        Reason = "pg_rewind: source and target clusters are from different systems",
        FailedAt = DateTimeOffset.UtcNow,
    };

    public static PromotionFailed PromotionFailed(string cluster, Guid id, string node) => new()
    {
        FailoverId = id,
        ClusterId = cluster,
        NodeId = node,
        Reason = "pg_promote() did not finish",
        FailedAt = DateTimeOffset.UtcNow,
    };
}
