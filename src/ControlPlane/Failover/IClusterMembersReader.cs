namespace Conjur.EventSourced.ControlPlane.Failover;

/// <summary>Reads <see cref="ClusterMembers"/>; an interface so unit tests of the state machine need no store.</summary>
public interface IClusterMembersReader
{
    Task<ClusterMembers> ReadAsync(CancellationToken ct);
}
