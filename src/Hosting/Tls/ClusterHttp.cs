using System.Collections.Concurrent;
using System.Net.Security;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Tls;

/// <summary>
/// HTTP clients for what people and scripts call (the nodes' client API, the load balancer, the control plane): under
/// TLS they trust the cluster CA's public certificate (<c>tls.ca</c>) and nothing else, not the host's store, and check
/// the server's name, as Conjur's clients do with a CA bundle. They present no certificate: callers bring tokens.
/// </summary>
public static class ClusterHttp
{
    private static readonly ConcurrentDictionary<(string Ca, DateTime Written, TimeSpan Timeout), HttpClient> Shared = new();

    public static SocketsHttpHandler Handler(ClusterConfig config, SocketsHttpHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        handler ??= new SocketsHttpHandler();
        if (config.Tls.Enabled)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = TlsClient.TrustOnly(config.PublicCaFile()),
                EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
            };
        }
        return handler;
    }

    /// <summary>A new client the caller disposes.</summary>
    public static HttpClient Client(ClusterConfig config, TimeSpan timeout) => new(Handler(config)) { Timeout = timeout };

    /// <summary>
    /// One client per CA file (as last written) and timeout, for the launcher's and the CLI's short calls: a CA bundle
    /// rewritten by a rotation gets a new client.
    /// </summary>
    public static HttpClient For(ClusterConfig config, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(config);
        var ca = config.Tls.Enabled ? config.PublicCaFile() : "";
        var written = ca.Length > 0 && File.Exists(ca) ? File.GetLastWriteTimeUtc(ca) : default;
        return Shared.GetOrAdd((ca, written, timeout), _ => Client(config, timeout));
    }
}
