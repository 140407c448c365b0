namespace Conjur.EventSourced.Contracts.Failover;

/// <summary>
/// Command from the failover saga to one agent: take <c>leader</c> (removing <see cref="FormerMaster"/>
/// from <c>members</c> in the same etcd transaction) and promote Postgres. Idempotent: an agent that is
/// already master for this failover answers <see cref="MasterPromoted"/> again. Answered by
/// <see cref="MasterPromoted"/> or <see cref="PromotionFailed"/>.
/// </summary>
public sealed record PromoteStandby
{
    public required Guid FailoverId { get; init; }
    public required string ClusterId { get; init; }
    public required string NodeId { get; init; }
    public required string FormerMaster { get; init; }

    /// <summary>Promote without holding the promotion lock or meeting the preconditions (operator's forced promotion).</summary>
    public bool Forced { get; init; }
}
