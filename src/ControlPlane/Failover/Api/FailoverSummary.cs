namespace Conjur.EventSourced.ControlPlane.Failover.Api;

/// <summary>One failover in <c>GET /api/failovers</c>.</summary>
public sealed record FailoverSummary(
    Guid Id,
    string Kind,
    string State,
    string Candidate,
    string? NewMaster,
    string FormerMaster,
    DateTimeOffset StartedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset? FailedAt,
    string? FailedStep,
    string? FailedReason)
{
    public static FailoverSummary From(FailoverState s) => new(
        s.CorrelationId, s.Kind, s.CurrentState, s.Candidate, s.NewMaster, s.FormerMaster, s.StartedAt, s.CompletedAt, s.FailedAt, s.FailedStep, s.FailedReason);
}
