using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Tls;

/// <summary>Which certificates <c>cluster certs rotate</c> replaces: pure, so it is unit-tested.</summary>
public static class CertificateRotation
{
    /// <summary>How long a node's Postgres takes at most to present a rotated certificate (its agent checks every 2 s, and waits for the files to settle).</summary>
    public const int PickupSeconds = 5;

    public static IReadOnlyList<CertificateSpec> Specs(ClusterConfig config, string? node, bool all)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (all == (node is not null))
        {
            throw new ConfigurationException("name one node ('cluster certs rotate node2') or pass --all, not both");
        }
        if (!all)
        {
            var n = config.Node(node!);
            return [config.Agent(n), config.Postgres(n)];
        }
        return [.. config.Nodes.SelectMany(n => new[] { config.Agent(n), config.Postgres(n) }), config.ControlPlane()];
    }
}
