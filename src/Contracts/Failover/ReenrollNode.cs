namespace Conjur.EventSourced.Contracts.Failover;

/// <summary>
/// Command to a fenced or removed node's agent: add itself back to <c>members</c> as a standby of the
/// current master and rebase onto it (pg_rewind, or a fresh clone). Answered by <see cref="NodeReenrolled"/>
/// or <see cref="StandbyRebaseFailed"/>.
/// </summary>
public sealed record ReenrollNode
{
    public required Guid RequestId { get; init; }
    public required string ClusterId { get; init; }
    public required string NodeId { get; init; }
    public required string RequestedBy { get; init; }
}
