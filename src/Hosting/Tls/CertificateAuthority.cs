using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Conjur.EventSourced.Hosting.Tls;

/// <summary>
/// The cluster's certificate authority, with .NET's own cryptography: a self-signed ECDSA P-256 root that issues
/// one certificate per part. P-256 because every peer reads it (OpenSSL in Postgres and HAProxy, Go in etcd,
/// Erlang in RabbitMQ, .NET) and a handshake costs a fraction of RSA's.
/// </summary>
public static class CertificateAuthority
{
    /// <summary>Issued certificates start a little in the past: a peer whose clock is behind ours must not see "not yet valid".</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>The extended key usages a part's certificate carries: TLS server, TLS client.</summary>
    public const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>A new root: may sign certificates (path length 0: no intermediate CAs), nothing else.</summary>
    public static X509Certificate2 Create(string commonName, DateTimeOffset now, int days)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(commonName)}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(now - ClockSkew, now.AddDays(days));
    }

    /// <summary>
    /// A part's certificate signed by <paramref name="ca"/> (which must hold its private key), with a fresh key pair.
    /// Returns the certificate and its private key as PEM.
    /// </summary>
    public static (string CertificatePem, string KeyPem) Issue(X509Certificate2 ca, CertificateSpec spec, DateTimeOffset now, int days)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(spec.CommonName)}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        var usages = new OidCollection();
        if (spec.Server)
        {
            usages.Add(new Oid(ServerAuthentication));
        }
        if (spec.Client)
        {
            usages.Add(new Oid(ClientAuthentication));
        }
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, critical: false));
        if (spec.Hosts.Count > 0)
        {
            var names = new SubjectAlternativeNameBuilder();
            foreach (var host in spec.Hosts.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (IPAddress.TryParse(host, out var ip))
                {
                    names.AddIpAddress(ip);
                }
                else
                {
                    names.AddDnsName(host);
                }
            }
            request.CertificateExtensions.Add(names.Build(critical: false));
        }
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        // Never outside its issuer's validity: it would fail every chain check beyond it.
        var notBefore = Max(now - ClockSkew, ca.NotBefore);
        var notAfter = Min(now.AddDays(days), ca.NotAfter);
        using var certificate = request.Create(ca, notBefore, notAfter, RandomNumberGenerator.GetBytes(16).Select((b, i) => i == 0 ? (byte)(b & 0x7F) : b).ToArray());
        return (certificate.ExportCertificatePem() + "\n", key.ExportECPrivateKeyPem() + "\n");
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTime b) => a > b ? a : new DateTimeOffset(b.ToUniversalTime());

    private static DateTimeOffset Min(DateTimeOffset a, DateTime b) => a < b ? a : new DateTimeOffset(b.ToUniversalTime());

    private static string Escape(string name) => name.Replace("\"", "", StringComparison.Ordinal).Replace(",", " ", StringComparison.Ordinal);
}
