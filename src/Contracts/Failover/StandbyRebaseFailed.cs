namespace Conjur.EventSourced.Contracts.Failover;

/// <summary>A replica could not follow the new master; the node stays out of service until an operator re-enrols it.</summary>
public sealed record StandbyRebaseFailed
{
    public required Guid FailoverId { get; init; }
    public required string ClusterId { get; init; }
    public required string NodeId { get; init; }
    public required string Reason { get; init; }
    public required DateTimeOffset FailedAt { get; init; }
}
