namespace Conjur.EventSourced.ControlPlane.ClusterHistory;

/// <summary>
/// Marks a cluster fact as recorded. Inserted in the same transaction as the fact's event, so a
/// redelivery, a second observer of the same thing, or a second control plane finds the key taken and
/// appends nothing.
/// </summary>
public sealed record ClusterFactKey(string Id, DateTimeOffset RecordedAt);
