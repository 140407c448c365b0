using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Conjur.EventSourced.NodeAgent.Trust;

/// <summary>
/// The agent's listeners. Under TLS: the client API on its HTTP port, HTTPS with the agent's certificate (clients bring
/// Conjur tokens, not certificates), and the internal listener for the cluster's own traffic (the load balancer's
/// health checks, audit batches, forwarded writes), HTTPS that admits only a client certificate of the cluster CA made
/// for client authentication. Without TLS, the HTTP port alone, in plain text.
/// </summary>
public static class InternalListener
{
    public static void ListenAsANode(this IWebHostBuilder web, ClusterConfig config, NodeConfig node, AgentCertificates certificates)
    {
        if (certificates.Agent is not { } certificate)
        {
            web.UseUrls(config.ApiUrl(node));
            return;
        }
        var spec = certificate.Spec;
        var trust = TlsClient.TrustOnly(spec.CaFile);
        trust.ApplicationPolicy.Add(new Oid(CertificateAuthority.ClientAuthentication));
        web.ConfigureKestrel(kestrel =>
        {
            Bind(kestrel, node.Host, node.HttpPort, listen => listen.UseHttps(https =>
            {
                Present(https, certificate);
                https.ClientCertificateMode = ClientCertificateMode.NoCertificate;
            }));
            Bind(kestrel, node.Host, node.InternalPort, listen => listen.UseHttps(https =>
            {
                Present(https, certificate);
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                https.ClientCertificateValidation = (presented, _, _) => TlsClient.ChainsTo(presented, trust);
            }));
        });
    }

    /// <summary>
    /// The node a request came from, by its agent certificate, when it arrived on this agent's internal listener (where
    /// Kestrel has already checked the certificate's chain and usage); null for anything else, the client port included.
    /// </summary>
    public static string? CallingNode(HttpContext http, NodeConfig node)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(node);
        if (http.Connection.LocalPort != node.InternalPort || http.Connection.ClientCertificate is not { } certificate)
        {
            return null;
        }
        var name = certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, forIssuer: false);
        return name.StartsWith(ClusterCertificates.AgentNamePrefix, StringComparison.Ordinal) ? name[ClusterCertificates.AgentNamePrefix.Length..] : null;
    }

    /// <summary>
    /// The certificate at start, then at each handshake the one its files hold now (a rotation), as a prepared context:
    /// a certificate selector would build its chain and a TLS context again at every handshake.
    /// </summary>
    public static void Present(HttpsConnectionAdapterOptions https, ReloadingCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(https);
        ArgumentNullException.ThrowIfNull(certificate);
        https.ServerCertificate = certificate.Current;
        https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        https.OnAuthenticate = (_, options) => certificate.Present(options);
    }

    private static void Bind(KestrelServerOptions kestrel, string host, int port, Action<ListenOptions> configure)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            kestrel.Listen(address, port, configure);
        }
        else if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.ListenLocalhost(port, configure);
        }
        else
        {
            kestrel.ListenAnyIP(port, configure);
        }
    }
}
