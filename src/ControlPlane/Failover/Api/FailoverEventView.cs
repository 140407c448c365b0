namespace Conjur.EventSourced.ControlPlane.Failover.Api;

/// <param name="At">The control plane's clock at the transition.</param>
/// <param name="RecordedAt">The store's transaction time (shared by every event of one transition).</param>
public sealed record FailoverEventView(long Version, string Type, string Step, string? Node, string Detail, DateTimeOffset At, DateTimeOffset RecordedAt);
