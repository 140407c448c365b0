namespace Conjur.EventSourced.Contracts.Failover;

/// <summary>Integration event. The control plane's saga took charge of a failover, switchover or forced promotion.</summary>
public sealed record FailoverStarted
{
    public required Guid FailoverId { get; init; }
    public required string ClusterId { get; init; }

    /// <summary>automatic, switchover or forced (<see cref="FailoverKinds"/>).</summary>
    public required string Kind { get; init; }
    public required string FormerMaster { get; init; }
    public required string Candidate { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
}
