namespace Conjur.EventSourced.ControlPlane.Failover.Api;

/// <summary>The body of <c>GET /api/failovers/{id}</c>: the saga's state and its whole stream, oldest first.</summary>
public sealed record FailoverDetails(
    FailoverSummary Failover,
    string Stream,
    long? Term,
    int? Timeline,
    long? SwitchPosition,
    IReadOnlyList<string> FormerCandidates,
    IReadOnlyList<string> Replicas,
    IReadOnlyList<string> Pending,
    IReadOnlyList<string> Rebased,
    IReadOnlyDictionary<string, string> RebaseFailures,
    string? AwaitingStep,
    DateTimeOffset? Deadline,
    IReadOnlyList<FailoverEventView> Events);
