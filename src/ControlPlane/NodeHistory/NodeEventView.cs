namespace Conjur.EventSourced.ControlPlane.NodeHistory;

/// <param name="ObservedAt">The agent's clock.</param>
/// <param name="RecordedAt">The store's transaction time (shared by a whole batch in quick append mode).</param>
public sealed record NodeEventView(long Version, string Type, DateTimeOffset? ObservedAt, DateTimeOffset RecordedAt, object Data);
