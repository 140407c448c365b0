using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Conjur.EventSourced.NodeAgent.Trust;

/// <summary>
/// The agent's listeners: the client API on its HTTP port and, under TLS, the internal listener for the cluster's own
/// traffic (the load balancer's health checks), HTTPS with the agent's certificate that admits only a client
/// certificate of the cluster CA made for client authentication. Without TLS, the HTTP port alone, as before.
/// </summary>
public static class InternalListener
{
    public static void ListenAsANode(this IWebHostBuilder web, ClusterConfig config, NodeConfig node)
    {
        if (!config.Tls.Enabled)
        {
            web.UseUrls(node.ApiUrl);
            return;
        }
        var spec = config.Agent(node);
        var certificate = TlsClient.LoadWithKey(spec);
        var trust = TlsClient.TrustOnly(spec.CaFile);
        trust.ApplicationPolicy.Add(new Oid(CertificateAuthority.ClientAuthentication));
        web.ConfigureKestrel(kestrel =>
        {
            Bind(kestrel, node.Host, node.HttpPort, _ => { });
            Bind(kestrel, node.Host, node.InternalPort, listen => listen.UseHttps(https =>
            {
                https.ServerCertificate = certificate;
                https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                https.ClientCertificateValidation = (presented, _, _) => TlsClient.ChainsTo(presented, trust);
            }));
        });
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
