namespace Conjur.EventSourced.ControlPlane.ClusterHistory;

/// <summary>A node re-enrolled as a standby of the master.</summary>
public sealed record NodeReenrollConfirmed(Guid RequestId, string NodeId, string Master, string Method, DateTimeOffset ReenrolledAt);
