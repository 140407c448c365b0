using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.NodeAgent.Trust;

/// <summary>The connection a node opens to the master as a node: under TLS it presents its agent certificate (as it is now) and trusts only the cluster CA.</summary>
public static class NodeToMaster
{
    public static SocketsHttpHandler Handler(ClusterConfig config, AgentCertificates certificates)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(certificates);
        // Bodies go back to the client as they came: no decompression on the way.
        var handler = new SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.None };
        return certificates.Agent is { } agent ? TlsClient.Configure(handler, agent) : handler;
    }
}
