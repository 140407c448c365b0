using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Tls;

/// <summary>What a part finds when it checks its certificate before it listens or connects anywhere.</summary>
/// <param name="Problem">Why the certificate cannot be used (naming the file), or null when it can.</param>
public sealed record CertificateStatus(CertificateSpec Spec, DateTimeOffset? NotBefore, DateTimeOffset? NotAfter, string? Issuer, string? Problem, string? Subject = null)
{
    public bool Usable => Problem is null;

    /// <summary>Days until it expires (negative once it has), or null when it could not be read.</summary>
    public double? DaysLeft(DateTimeOffset now) => NotAfter is { } end ? (end - now).TotalDays : null;

    public bool ExpiresWithin(DateTimeOffset now, int days) => NotAfter is { } end && end - now <= TimeSpan.FromDays(days);
}

/// <summary>
/// Checks a part's certificate, key and CA bundle the way its peers will, so a part with a bad one stops at start
/// and says which file and why, instead of starting half-way and failing every handshake.
/// </summary>
public static class CertificateCheck
{
    public static CertificateStatus Inspect(CertificateSpec spec, DateTimeOffset now)
    {
        if (!File.Exists(spec.CertFile))
        {
            return Bad(spec, $"the certificate {spec.CertFile} is missing: 'cluster up' issues it, 'cluster certs rotate' replaces it");
        }
        if (!File.Exists(spec.KeyFile))
        {
            return Bad(spec, $"the private key {spec.KeyFile} is missing: 'cluster certs rotate' issues a new certificate and key");
        }
        if (!File.Exists(spec.CaFile))
        {
            return Bad(spec, $"the CA bundle {spec.CaFile} is missing: 'cluster up' copies the cluster CA there");
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(spec.CertFile, spec.KeyFile);
        }
        catch (CryptographicException e)
        {
            // CreateFromPemFile fails alike for a malformed file and for a key of another certificate: tell them apart.
            return Bad(spec, ReadsAlone(spec.CertFile)
                ? $"the private key {spec.KeyFile} does not match the certificate {spec.CertFile} (or is not a PEM key: {e.Message})"
                : $"the certificate {spec.CertFile} is not a PEM certificate: {e.Message}");
        }
        catch (UnauthorizedAccessException)
        {
            return Bad(spec, $"the private key {spec.KeyFile} cannot be read by this user");
        }
        using (certificate)
        {
            var status = new CertificateStatus(spec, certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime(), certificate.Issuer, null,
                certificate.Subject);
            if (now < status.NotBefore)
            {
                return status with { Problem = $"the certificate {spec.CertFile} is not valid yet (from {status.NotBefore:u}; this host's clock says {now:u})" };
            }
            if (now > status.NotAfter)
            {
                return status with { Problem = $"the certificate {spec.CertFile} expired at {status.NotAfter:u}: 'cluster certs rotate' issues a new one" };
            }
            var authorities = new X509Certificate2Collection();
            try
            {
                authorities.ImportFromPemFile(spec.CaFile);
            }
            catch (CryptographicException e)
            {
                return status with { Problem = $"the CA bundle {spec.CaFile} is not PEM: {e.Message}" };
            }
            if (authorities.Count == 0)
            {
                return status with { Problem = $"the CA bundle {spec.CaFile} holds no certificate" };
            }
            return ChainProblem(certificate, authorities, now) is { } why
                ? status with { Problem = $"the certificate {spec.CertFile} is not issued by the cluster CA in {spec.CaFile}: {why}" }
                : status;
        }
    }

    /// <summary>The CA itself (<c>ca.crt</c> in <paramref name="ca"/>'s folder): readable, and within its validity.</summary>
    public static CertificateStatus InspectCa(CertificateSpec ca, DateTimeOffset now)
    {
        if (!File.Exists(ca.CertFile))
        {
            return Bad(ca, $"the CA certificate {ca.CertFile} is missing");
        }
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(ca.CertFile);
        }
        catch (CryptographicException e)
        {
            return Bad(ca, $"the CA certificate {ca.CertFile} is not PEM: {e.Message}");
        }
        if (certificates.Count == 0)
        {
            return Bad(ca, $"the CA certificate {ca.CertFile} holds no certificate");
        }
        // During a CA rotation the file holds both CAs: the one that ends first is the one to watch.
        var first = certificates.OrderBy(c => c.NotAfter).First();
        var status = new CertificateStatus(ca, first.NotBefore.ToUniversalTime(), first.NotAfter.ToUniversalTime(), first.Issuer, null, first.Subject);
        return now > status.NotAfter ? status with { Problem = $"the CA certificate {ca.CertFile} expired at {status.NotAfter:u}" } : status;
    }

    /// <summary>Stops a part at start with the problem of its certificate; TLS off skips the check.</summary>
    public static void Require(ClusterConfig config, CertificateSpec spec)
    {
        if (!config.Tls.Enabled)
        {
            return;
        }
        if (Inspect(spec, DateTimeOffset.UtcNow).Problem is { } problem)
        {
            throw new ConfigurationException($"TLS ({spec.Name}): {problem}");
        }
    }

    /// <summary>Whether <paramref name="certificate"/> chains to one of <paramref name="authorities"/> at <paramref name="now"/>; null when it does, else why not.</summary>
    public static string? ChainProblem(X509Certificate2 certificate, X509Certificate2Collection authorities, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        if (chain.Build(certificate))
        {
            return null;
        }
        var reasons = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct();
        return string.Join("; ", reasons) is { Length: > 0 } text ? text : "the chain does not build";
    }

    private static bool ReadsAlone(string certFile)
    {
        try
        {
            var alone = new X509Certificate2Collection();
            alone.ImportFromPemFile(certFile);
            return alone.Count > 0;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static CertificateStatus Bad(CertificateSpec spec, string problem) => new(spec, null, null, null, problem);
}
