using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Tests.Unit.Tls;

/// <summary>A certificate within tls.expiryWarningDays of its end shows as expiring in the part's /health.</summary>
public sealed class CertificateExpiryTests : IDisposable
{
    private readonly ClusterConfig _config = DefaultTopology.Create(Directory.CreateTempSubdirectory("conjur-tls-expiry-").FullName, 20000) with
    {
        Tls = new TlsConfig { CertificateDays = 90, ExpiryWarningDays = 30 },
    };

    public void Dispose() => Directory.Delete(_config.StateDir, recursive: true);

    [Fact]
    public async Task FreshCertificate_IsNotExpiring_SixtyOneDaysLaterItIs()
    {
        await new CertificateIssuer(_config).EnsureAsync(CancellationToken.None);
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        using var expiry = new CertificateExpiry(_config, [_config.Agent(_config.Nodes[0])], clock);

        expiry.Report()["expiring"].ShouldBe(false);

        clock.Advance(TimeSpan.FromDays(61));
        expiry.Report()["expiring"].ShouldBe(true);
    }

    [Fact]
    public void MissingCertificate_IsExpiring_WithItsProblem()
    {
        using var expiry = new CertificateExpiry(_config, [_config.Agent(_config.Nodes[0])]);

        var only = ((IEnumerable<Dictionary<string, object?>>)expiry.Report()["certificates"]!).Single();

        only["expiring"].ShouldBe(true);
        ((string)only["problem"]!).ShouldContain("is missing");
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
