namespace Conjur.EventSourced.Contracts.Failover;

/// <summary>A node rejoined as a standby of <see cref="Master"/>.</summary>
public sealed record NodeReenrolled
{
    public required Guid RequestId { get; init; }
    public required string ClusterId { get; init; }
    public required string NodeId { get; init; }
    public required string Master { get; init; }
    public required string Method { get; init; }
    public required DateTimeOffset ReenrolledAt { get; init; }
}
