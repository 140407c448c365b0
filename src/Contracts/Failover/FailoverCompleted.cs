namespace Conjur.EventSourced.Contracts.Failover;

/// <summary>Integration event. The new master is promoted and every remaining replica follows it.</summary>
public sealed record FailoverCompleted
{
    public required Guid FailoverId { get; init; }
    public required string ClusterId { get; init; }
    public required string Kind { get; init; }
    public required string NewMaster { get; init; }
    public required string FormerMaster { get; init; }
    public required IReadOnlyList<string> Rebased { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset CompletedAt { get; init; }
}
