using Conjur.EventSourced.ControlPlane.Failover;

namespace Conjur.EventSourced.Tests.Integration.Failover;

/// <summary>The cluster as a test declares it, in place of the heartbeat projection.</summary>
public sealed class FixedMembers(string? master, params string[] nodes) : IClusterMembersReader
{
    public Task<ClusterMembers> ReadAsync(CancellationToken ct) => Task.FromResult(new ClusterMembers(master, master, nodes));
}
