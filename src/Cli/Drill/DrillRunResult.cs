namespace Conjur.EventSourced.Cli.Drill;

/// <summary>
/// What one drill run measured. Times are milliseconds from the fault; null when the stage did not happen
/// within its bound (see <see cref="Problems"/>).
/// </summary>
public sealed record DrillRunResult
{
    public required int Run { get; init; }
    public required string RunId { get; init; }
    public required string Fault { get; init; }
    public required string OldMaster { get; init; }
    public string? NewMaster { get; init; }
    public string? LockHolder { get; init; }
    public Guid? FailoverId { get; init; }

    public double? LeaderDeletedMs { get; init; }
    public double? LockAcquiredMs { get; init; }
    public double? LeaderCreatedMs { get; init; }
    public double? PromotedMs { get; init; }
    public double? WritesResumedMs { get; init; }
    public double? WriteOutageMs { get; init; }
    public double? RebasedMs { get; init; }

    /// <summary>How "rebased" was decided: "saga" (the failover reached Completed) or "replicas" (each replica streams from the new master).</summary>
    public string? RebasedBy { get; init; }
    public string? SagaState { get; init; }

    /// <summary>The largest ± of the etcd timestamps after the fault (half the window between two reads).</summary>
    public double EtcdUncertaintyMs { get; init; }

    public long Attempted { get; init; }
    public long Acknowledged { get; init; }
    public long AcknowledgedAfterFault { get; init; }

    /// <summary>Acknowledged writes that the final master does not have (S2); null when it could not be checked.</summary>
    public long? MissingOnNewMaster { get; init; }
    public string? CheckedOn { get; init; }

    /// <summary>Acks per node that served them (by its Postgres port).</summary>
    public IReadOnlyDictionary<string, long> AcksByNode { get; init; } = new Dictionary<string, long>();

    /// <summary>Acks served by the old master after the new one answered /health 200: two writable masters (S1).</summary>
    public long AcksFromOldMasterAfterPromotion { get; init; }

    /// <summary>Acks Postgres reported as committed locally without the synchronous standby (a cancelled sync wait).</summary>
    public long UnreplicatedAcks { get; init; }

    /// <summary>Failed writes by class (read-only = misrouted, refused, reset, timeout, other).</summary>
    public IReadOnlyDictionary<string, int> ErrorsByClass { get; init; } = new Dictionary<string, int>();
    public IReadOnlyList<string> ErrorSamples { get; init; } = [];

    /// <summary>What a direct insert on the old master did after the run: refused:CLASS, down, accepted, not-checked.</summary>
    public string OldMasterWrite { get; init; } = "not-checked";

    public IReadOnlyList<string> Timeline { get; init; } = [];

    /// <summary>Stage timeouts and invariant violations; an empty list is a clean run.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];
}
