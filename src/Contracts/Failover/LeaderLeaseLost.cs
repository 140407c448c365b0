namespace Conjur.EventSourced.Contracts.Failover;

/// <summary>
/// A standby saw <c>leader</c> vanish from etcd (the master's lease expired or was revoked). Every
/// standby that sees it reports it, so expect one per observer; <see cref="Term"/> (the create revision
/// of the lost key) tells them apart from the next loss.
/// </summary>
public sealed record LeaderLeaseLost
{
    public required Guid FailoverId { get; init; }
    public required string ClusterId { get; init; }
    public required string FormerMaster { get; init; }
    public required long Term { get; init; }
    public required string ObservedBy { get; init; }
    public required DateTimeOffset ObservedAt { get; init; }
}
