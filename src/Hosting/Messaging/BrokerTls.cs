using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;
using RabbitMQ.Client;

namespace Conjur.EventSourced.Hosting.Messaging;

/// <summary>
/// The broker under TLS: it listens on its TLS port alone and takes the client certificate as the login (EXTERNAL,
/// the common name as the user), so a part presents its certificate and no password crosses the wire. The server is
/// trusted only if its certificate chains to the cluster CA and names the broker's host.
/// </summary>
public static class BrokerTls
{
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>The bare client's factory for <paramref name="login"/>: the certificate under TLS, the password without.</summary>
    public static ConnectionFactory Factory(ClusterConfig config, BrokerLogin login, string? name = null)
    {
        var factory = new ConnectionFactory
        {
            HostName = config.RabbitMq.Host,
            Port = config.RabbitMq.Port,
            VirtualHost = config.RabbitMq.VirtualHost,
            UserName = login.User,
            ClientProvidedName = name,
        };
        if (!config.Tls.Enabled)
        {
            factory.Password = login.Password();
            return factory;
        }
        factory.Ssl = Option(config, login.Certificate);
        factory.AuthMechanisms = [new ExternalMechanismFactory()];
        return factory;
    }

    /// <summary>TLS with <paramref name="identity"/>'s certificate, verifying the broker against the cluster CA.</summary>
    public static SslOption Option(ClusterConfig config, CertificateSpec identity) => new()
    {
        Enabled = true,
        ServerName = config.RabbitMq.Host,
        Version = Protocols,
        Certs = new X509CertificateCollection { TlsClient.LoadWithKey(identity) },
        CertificateValidationCallback = Validator(identity.CaFile),
        // The chain is checked by the callback against the cluster CA alone; a name mismatch is never accepted.
        AcceptablePolicyErrors = SslPolicyErrors.RemoteCertificateChainErrors,
    };

    /// <summary>Accepts the broker's certificate only when it chains to the CAs in <paramref name="caFile"/> and names the host dialled.</summary>
    public static RemoteCertificateValidationCallback Validator(string caFile)
    {
        var policy = TlsClient.TrustOnly(caFile);
        return (_, certificate, _, errors) =>
        {
            if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            {
                return false;
            }
            return TlsClient.ChainsTo(certificate, policy);
        };
    }
}
