using Conjur.EventSourced.ControlPlane.Failover;

namespace Conjur.EventSourced.Tests.Integration.Failover;

/// <summary>The cluster as a test declares it, in place of the heartbeat projection.</summary>
public sealed class FixedMembers(string? master, params string[] nodes) : IClusterMembersReader
{
    /// <summary>The node that last said it was master, when the view has no healthy one (defaults to the master).</summary>
    public string? LastKnown { get; init; }

    /// <summary>Nodes that report themselves fenced.</summary>
    public IReadOnlyCollection<string>? Fenced { get; init; }

    /// <summary>Each node's reported role, where the test gives one.</summary>
    public IReadOnlyDictionary<string, string>? Roles { get; init; }

    public Task<ClusterMembers> ReadAsync(CancellationToken ct) => Task.FromResult(new ClusterMembers(master, LastKnown ?? master, nodes, Fenced, Roles));
}
