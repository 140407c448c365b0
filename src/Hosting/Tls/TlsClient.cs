using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Conjur.EventSourced.Hosting.Tls;

/// <summary>
/// The client side of a link under the cluster CA, for .NET's own clients (etcd's gRPC, the agents' calls on each
/// other, the CLI): the part presents its certificate and trusts servers whose certificate chains to the cluster CA
/// alone (never the host's store) and names the host it dialled.
/// </summary>
public static class TlsClient
{
    /// <summary>Client certificate and trust for a handler; the files are read now, so a renewed certificate needs a new handler.</summary>
    public static SocketsHttpHandler Configure(SocketsHttpHandler handler, CertificateSpec identity)
    {
        handler.SslOptions = Options(identity);
        return handler;
    }

    /// <summary>As above, presenting whatever certificate <paramref name="identity"/> holds at each handshake: a rotation needs no new handler.</summary>
    public static SocketsHttpHandler Configure(SocketsHttpHandler handler, ReloadingCertificate identity)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(identity);
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            LocalCertificateSelectionCallback = (_, _, _, _, _) => identity.Current,
            CertificateChainPolicy = TrustOnly(identity.Spec.CaFile),
            EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
        };
        return handler;
    }

    public static SslClientAuthenticationOptions Options(CertificateSpec identity) => new()
    {
        ClientCertificates = [LoadWithKey(identity)],
        CertificateChainPolicy = TrustOnly(identity.CaFile),
        EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
    };

    /// <summary>A chain policy that trusts the CAs in <paramref name="caFile"/> and nothing else.</summary>
    public static X509ChainPolicy TrustOnly(string caFile)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(caFile);
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.AddRange(authorities);
        return policy;
    }

    /// <summary>
    /// Whether a peer's certificate chains to the CAs of <paramref name="trust"/> alone (never the host's store); a policy
    /// with an application policy (a client-authentication usage) also requires that usage.
    /// </summary>
    public static bool ChainsTo(X509Certificate presented, X509ChainPolicy trust)
    {
        using var chain = new X509Chain { ChainPolicy = trust.Clone() };
        using var certificate = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        return chain.Build(certificate);
    }

    /// <summary>The part's certificate with its private key, in a form SslStream can present on Linux.</summary>
    public static X509Certificate2 LoadWithKey(CertificateSpec identity)
    {
        using var pem = X509Certificate2.CreateFromPemFile(identity.CertFile, identity.KeyFile);
        // An ephemeral PEM key cannot always be used by the TLS stack: a PKCS#12 round trip gives it a persisted form.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
