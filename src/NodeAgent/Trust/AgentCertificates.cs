using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.NodeAgent.Trust;

/// <summary>
/// The agent's own certificate as its listeners and its calls on the master present it, reloaded after a rotation
/// (<see cref="ReloadingCertificate"/>); null without TLS.
/// </summary>
public sealed class AgentCertificates(ReloadingCertificate? agent)
{
    public ReloadingCertificate? Agent { get; } = agent;

    public static AgentCertificates For(ClusterConfig config, NodeConfig node, Action<string> log) =>
        new(config.Tls.Enabled ? new ReloadingCertificate(config.Agent(node), log) : null);
}
