namespace Conjur.EventSourced.Contracts.Failover;

/// <summary>The candidate could not promote; it has released <c>promotion-lock</c> so the next eligible standby can race.</summary>
public sealed record PromotionFailed
{
    public required Guid FailoverId { get; init; }
    public required string ClusterId { get; init; }
    public required string NodeId { get; init; }
    public required string Reason { get; init; }
    public required DateTimeOffset FailedAt { get; init; }
}
