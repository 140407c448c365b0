namespace Conjur.EventSourced.ControlPlane.Failover.History;

/// <summary>The step's deadline passed without the answer it waited for.</summary>
public sealed record StepTimedOut(Guid FailoverId, string Step, string? Node, string Detail, DateTimeOffset At) : IFailoverEvent;
