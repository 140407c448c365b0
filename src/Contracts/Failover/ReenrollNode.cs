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

    /// <summary>
    /// Added in version 1.2: the client address of the API request, beside <c>RequestedBy</c>, which since then is the
    /// name of the API credential that asked (e.g. <c>operator</c>); absent (null) from older control planes.
    /// </summary>
    public string? RequestedFrom { get; init; }
}
