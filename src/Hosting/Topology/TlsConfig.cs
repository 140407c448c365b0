namespace Conjur.EventSourced.Hosting.Topology;

/// <summary>The cluster's own certificate authority and the certificates it issues (docs/tls.md).</summary>
public sealed record TlsConfig
{
    /// <summary>
    /// Mutual TLS on every link between parts. Off only for debugging: <c>CONJUR_TLS=off cluster up</c> writes
    /// <c>false</c> here for a new cluster, and every part then talks in plain text.
    /// </summary>
    public bool Enabled { get; init; } = true;

    /// <summary>How long a part's certificate is valid when issued.</summary>
    public int CertificateDays { get; init; } = 365;

    /// <summary>How long the cluster CA is valid when <c>up</c> creates it.</summary>
    public int CaDays { get; init; } = 3650;

    /// <summary>A certificate that expires within this many days shows in <c>/health</c>, <c>/metrics</c> and <c>certs list</c>.</summary>
    public int ExpiryWarningDays { get; init; } = 30;

    public IEnumerable<string> Problems()
    {
        if (CertificateDays is < 1 or > 3650)
        {
            yield return $"tls.certificateDays {CertificateDays} must be between 1 and 3650";
        }
        if (CaDays < CertificateDays)
        {
            yield return $"tls.caDays {CaDays} must be at least tls.certificateDays ({CertificateDays})";
        }
        if (ExpiryWarningDays < 0 || ExpiryWarningDays >= CertificateDays)
        {
            yield return $"tls.expiryWarningDays {ExpiryWarningDays} must be at least 0 and below tls.certificateDays ({CertificateDays})";
        }
    }
}
