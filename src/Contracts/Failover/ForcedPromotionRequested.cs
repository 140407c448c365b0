namespace Conjur.EventSourced.Contracts.Failover;

/// <summary>
/// Operator request: promote <see cref="NodeId"/> although the preconditions do not hold (the master and
/// every synchronous standby are lost). Writes acknowledged by the old master but not on this node are lost.
/// </summary>
public sealed record ForcedPromotionRequested
{
    public required Guid FailoverId { get; init; }
    public required string ClusterId { get; init; }
    public required string NodeId { get; init; }
    public required string RequestedBy { get; init; }
    public required DateTimeOffset RequestedAt { get; init; }

    /// <summary>
    /// Added in version 1.2: the client address of the API request, beside <c>RequestedBy</c>, which since then is the
    /// name of the API credential that asked (e.g. <c>operator</c>); absent (null) from older control planes.
    /// </summary>
    public string? RequestedFrom { get; init; }
}
