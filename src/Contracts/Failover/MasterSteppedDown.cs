namespace Conjur.EventSourced.Contracts.Failover;

/// <summary>The master of a switchover shut down cleanly at <see cref="Position"/> and released <c>leader</c>.</summary>
public sealed record MasterSteppedDown
{
    public required Guid FailoverId { get; init; }
    public required string ClusterId { get; init; }
    public required string NodeId { get; init; }
    public required long Position { get; init; }
    public required DateTimeOffset SteppedDownAt { get; init; }
}
