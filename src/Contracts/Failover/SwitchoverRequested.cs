namespace Conjur.EventSourced.Contracts.Failover;

/// <summary>Operator request (through the control plane's API): move the master to <see cref="Target"/> without losing a write.</summary>
public sealed record SwitchoverRequested
{
    public required Guid FailoverId { get; init; }
    public required string ClusterId { get; init; }
    public required string Target { get; init; }
    public required string RequestedBy { get; init; }
    public required DateTimeOffset RequestedAt { get; init; }

    /// <summary>
    /// Added in version 1.2: the client address of the API request, beside <c>RequestedBy</c>, which since then is the
    /// name of the API credential that asked (e.g. <c>operator</c>); absent (null) from older control planes.
    /// </summary>
    public string? RequestedFrom { get; init; }
}
