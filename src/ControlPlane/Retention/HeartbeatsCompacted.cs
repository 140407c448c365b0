namespace Conjur.EventSourced.ControlPlane.Retention;

/// <summary>
/// Appended to a node's stream when retention removes its raw reports: what was removed, so the audit
/// trail still says the node was reporting, how often, and from when to when.
/// </summary>
/// <param name="Heartbeats">Raw heartbeats removed.</param>
/// <param name="LagReports">Raw lag reports removed.</param>
/// <param name="FirstRecordedAt">The store's time of the first raw report removed.</param>
/// <param name="LastRecordedAt">The store's time of the last.</param>
/// <param name="Cutoff">Raw reports stored before this time were removed.</param>
public sealed record HeartbeatsCompacted(
    string ClusterId, string NodeId, long Heartbeats, long LagReports,
    DateTimeOffset FirstRecordedAt, DateTimeOffset LastRecordedAt, DateTimeOffset Cutoff, DateTimeOffset CompactedAt);
