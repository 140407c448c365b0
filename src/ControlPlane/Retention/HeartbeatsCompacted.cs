namespace Conjur.EventSourced.ControlPlane.Retention;

/// <summary>
/// Appended to a node's permanent stream when retention removes one of its heartbeat days: what the
/// day held, so the audit trail still says the node was reporting, how often, and from when to when.
/// </summary>
/// <param name="Day">The UTC day of the agent's clock the stream held.</param>
/// <param name="Heartbeats">Raw heartbeats removed.</param>
/// <param name="LagReports">Raw lag reports removed.</param>
/// <param name="FirstRecordedAt">The store's time of the day's first raw report.</param>
/// <param name="LastRecordedAt">The store's time of its last.</param>
/// <param name="Stream">The heartbeat stream removed.</param>
public sealed record HeartbeatsCompacted(
    string ClusterId, string NodeId, DateOnly Day, long Heartbeats, long LagReports,
    DateTimeOffset? FirstRecordedAt, DateTimeOffset? LastRecordedAt, string Stream, DateTimeOffset CompactedAt);
