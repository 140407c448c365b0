namespace Conjur.EventSourced.Contracts.Failover;

/// <summary>Integration event. <see cref="NodeId"/> holds <c>leader</c> and its Postgres left recovery on a new timeline.</summary>
public sealed record MasterPromoted
{
    public required Guid FailoverId { get; init; }
    public required string ClusterId { get; init; }
    public required string NodeId { get; init; }
    public required string FormerMaster { get; init; }
    public required int Timeline { get; init; }

    /// <summary>Where the new timeline forked (bytes): a replica with WAL past it has diverged and needs pg_rewind.</summary>
    public required long SwitchPosition { get; init; }
    public required DateTimeOffset PromotedAt { get; init; }

    /// <summary>
    /// True when the winner of the promotion lock promoted itself because the saga's command did not come
    /// in time (control plane down or slow); the saga then confirms the step instead of commanding it.
    /// Added in version 1.1: absent (false) from older agents.
    /// </summary>
    public bool SelfPromoted { get; init; }
}
