using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Tests.Unit.Tls;

/// <summary>A tls section that could never work is refused at start, naming the setting.</summary>
public sealed class TlsConfigTests
{
    private static readonly ClusterConfig Config = DefaultTopology.Create("/tmp/conjur-unit", 20000);

    [Fact]
    public void Defaults_AreValid() => new TlsConfig().Problems().ShouldBeEmpty();

    [Fact]
    public void CertificateDaysOutOfRange_IsRefused() =>
        new TlsConfig { CertificateDays = 0 }.Problems().ShouldContain(p => p.StartsWith("tls.certificateDays 0", StringComparison.Ordinal));

    [Fact]
    public void CaShorterThanItsCertificates_IsRefused() =>
        new TlsConfig { CaDays = 30 }.Problems().ShouldContain(p => p.StartsWith("tls.caDays 30", StringComparison.Ordinal));

    [Fact]
    public void WarningWindowAsLongAsTheCertificate_IsRefused() =>
        new TlsConfig { CertificateDays = 30, ExpiryWarningDays = 30 }.Problems().ShouldContain(p => p.StartsWith("tls.expiryWarningDays 30", StringComparison.Ordinal));

    [Fact]
    public void ClusterWithABadTlsSection_FailsValidationNamingIt() =>
        Should.Throw<ConfigurationException>((Config with { Tls = new TlsConfig { CertificateDays = 5000 } }).Validate)
            .Message.ShouldContain("tls.certificateDays 5000 must be between 1 and 3650");

    [Fact]
    public void ClusterIdThatNamesAnEtcdUserLikeACertificate_IsRefused()
    {
        // Cluster 'postgres': node1's etcd user would be 'postgres-node1', the common name of node1's Postgres certificate,
        // which the postgres OS user can read: etcd would take that certificate alone as node1's user.
        var clash = DefaultTopology.Create("/tmp/conjur-unit", 20000, clusterId: "postgres") with { Tls = new TlsConfig() };

        Should.Throw<ConfigurationException>(clash.Validate).Message
            .ShouldContain("the certificate of postgres-node1 would be named like the etcd user 'postgres-node1'");
        Should.NotThrow((clash with { Tls = new TlsConfig { Enabled = false } }).Validate);
    }
}
