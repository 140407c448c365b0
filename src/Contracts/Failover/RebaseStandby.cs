namespace Conjur.EventSourced.Contracts.Failover;

/// <summary>
/// Command from the failover saga to a standby or follower: follow <see cref="NewMaster"/>'s timeline,
/// rewinding first if it holds WAL past <see cref="SwitchPosition"/>. Idempotent. Answered by
/// <see cref="StandbyRebased"/> or <see cref="StandbyRebaseFailed"/>.
/// </summary>
public sealed record RebaseStandby
{
    public required Guid FailoverId { get; init; }
    public required string ClusterId { get; init; }
    public required string NodeId { get; init; }
    public required string NewMaster { get; init; }
    public required int Timeline { get; init; }
    public required long SwitchPosition { get; init; }
}
