namespace Conjur.EventSourced.Contracts.Failover;

/// <summary>
/// Command from the saga to the master during a switchover: stop accepting writes, shut Postgres down
/// cleanly (so every WAL record reaches the standbys), and hand <c>leader</c> over to
/// <see cref="Target"/> (only it may race). Answered by <see cref="MasterSteppedDown"/> or <see cref="PromotionFailed"/>.
/// </summary>
public sealed record StepDown
{
    public required Guid FailoverId { get; init; }
    public required string ClusterId { get; init; }
    public required string NodeId { get; init; }
    public required string Target { get; init; }
}
