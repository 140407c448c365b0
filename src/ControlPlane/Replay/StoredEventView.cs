namespace Conjur.EventSourced.ControlPlane.Replay;

/// <summary>One stored event as <c>GET /api/events</c> shows it.</summary>
/// <param name="Sequence">Position in the whole store: the paging cursor.</param>
/// <param name="Version">Position in its stream.</param>
/// <param name="Timestamp">The store's transaction time (shared by a batch); the agent's own time is in the data.</param>
public sealed record StoredEventView(long Sequence, string Stream, long Version, string Type, DateTimeOffset Timestamp, object Data);
