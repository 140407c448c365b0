namespace Conjur.EventSourced.ControlPlane.Replay;

/// <summary>The body of <c>GET /api/events</c>: events in store order; <c>Next</c> is the <c>after</c> of the next page, null on the last.</summary>
public sealed record EventPage(IReadOnlyList<StoredEventView> Events, long? Next);
