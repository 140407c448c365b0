namespace Conjur.EventSourced.Contracts.Failover;

/// <summary>Integration event. The saga could not finish; <see cref="Reason"/> says what an operator must look at.</summary>
public sealed record FailoverFailed
{
    public required Guid FailoverId { get; init; }
    public required string ClusterId { get; init; }
    public required string Kind { get; init; }

    /// <summary>The step that failed: promoting, rebasing, stepping-down.</summary>
    public required string Step { get; init; }
    public required string Reason { get; init; }
    public required DateTimeOffset FailedAt { get; init; }
}
