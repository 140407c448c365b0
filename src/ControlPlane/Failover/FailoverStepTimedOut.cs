namespace Conjur.EventSourced.ControlPlane.Failover;

/// <summary>
/// Control-plane internal (not a contract): the scheduler saw a saga past its deadline. The saga acts on
/// it only if <see cref="Step"/> and <see cref="Attempt"/> still match its current deadline, so a
/// timeout that arrives after the answer, twice, or from a second control plane changes nothing.
/// </summary>
public sealed record FailoverStepTimedOut
{
    public required Guid FailoverId { get; init; }
    public required string ClusterId { get; init; }
    public required string Step { get; init; }
    public required int Attempt { get; init; }
    public required DateTimeOffset Deadline { get; init; }
}
