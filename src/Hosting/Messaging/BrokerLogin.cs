using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Messaging;

/// <summary>
/// One part's broker login: its user and the file that holds its password, and the certificate whose common name is
/// that user when the broker takes only TLS and the certificate as the identity (EXTERNAL).
/// </summary>
public sealed record BrokerLogin(string User, string PasswordFile, CertificateSpec Certificate)
{
    public static BrokerLogin ForAgent(ClusterConfig config, string nodeId) =>
        new(BrokerUsers.Agent(nodeId), config.AgentRabbitMqPasswordFile(nodeId), config.Agent(config.Node(nodeId)));

    public static BrokerLogin ForControlPlane(ClusterConfig config) => new(BrokerUsers.ControlPlane, config.ControlPlaneRabbitMqPasswordFile(), config.ControlPlane());

    public static BrokerLogin ForSubscriber(ClusterConfig config) => new(BrokerUsers.Subscriber, config.SubscriberRabbitMqPasswordFile(), config.Subscriber());

    /// <summary>Every login the broker knows: each node's agent, the control plane, the subscriber.</summary>
    public static IReadOnlyList<BrokerLogin> All(ClusterConfig config) =>
        [.. config.Nodes.Select(n => ForAgent(config, n.Id)), ForControlPlane(config), ForSubscriber(config)];

    /// <summary>
    /// The password, for the part that logs in. A missing file is a configuration error naming it, never a
    /// reason to invent a password the broker has never heard of (the part would only fail later, at login).
    /// </summary>
    public string Password()
    {
        try
        {
            return SecretFiles.Read(PasswordFile);
        }
        catch (FileNotFoundException)
        {
            throw new ConfigurationException($"the RabbitMQ password file {PasswordFile} (broker user '{User}') is missing: 'cluster up' creates it");
        }
    }

    /// <summary>Generates the password once (mode 0600): only the launcher does this, before the broker learns it.</summary>
    public string EnsurePassword() => SecretFiles.GetOrCreate(PasswordFile);
}
