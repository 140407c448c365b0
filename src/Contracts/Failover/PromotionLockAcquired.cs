namespace Conjur.EventSourced.Contracts.Failover;

/// <summary>
/// A standby won the race for <c>promotion-lock</c> (held under its own lease) and asks the control
/// plane's failover saga to run. A second winner for the same <see cref="FailoverId"/> (the first one
/// died holding the lock) replaces the first as the candidate.
/// </summary>
public sealed record PromotionLockAcquired
{
    public required Guid FailoverId { get; init; }
    public required string ClusterId { get; init; }
    public required string Kind { get; init; }
    public required string Candidate { get; init; }
    public required string FormerMaster { get; init; }
    public required long Term { get; init; }

    /// <summary>The candidate's last received WAL position (bytes), which made it eligible.</summary>
    public required long Position { get; init; }

    /// <summary>Every member the saga must see rebased onto the candidate: standbys and followers, not the candidate nor the former master.</summary>
    public required IReadOnlyList<string> Replicas { get; init; }
    public required DateTimeOffset AcquiredAt { get; init; }
}
