namespace Conjur.EventSourced.Contracts.Failover;

/// <summary>Integration event. <see cref="NodeId"/> streams from the new master on its timeline.</summary>
public sealed record StandbyRebased
{
    public required Guid FailoverId { get; init; }
    public required string ClusterId { get; init; }
    public required string NodeId { get; init; }
    public required string NewMaster { get; init; }

    /// <summary>followed, rewound or cloned (<see cref="RebaseMethods"/>).</summary>
    public required string Method { get; init; }
    public required DateTimeOffset RebasedAt { get; init; }
}
