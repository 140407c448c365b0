namespace Conjur.EventSourced.Contracts.Failover;

/// <summary>
/// Integration event. The master is gone but the preconditions for an automatic failover do not hold,
/// so nothing is promoted. Each standby that checks publishes one: key on
/// (<see cref="FailoverId"/>, <see cref="ObservedBy"/>) to count them once.
/// </summary>
public sealed record FailoverBlocked
{
    public required Guid FailoverId { get; init; }
    public required string ClusterId { get; init; }
    public required string FormerMaster { get; init; }
    public required long Term { get; init; }
    public required string ObservedBy { get; init; }

    /// <summary>In words, e.g. "no synchronous standby reported its position after the master's death".</summary>
    public required string Reason { get; init; }
    public required DateTimeOffset ObservedAt { get; init; }
}
