using System.Security.Cryptography.X509Certificates;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Tests.Unit.Tls;

/// <summary>A part checks its certificate before it starts: each way it can be wrong has its own message, naming the file.</summary>
public sealed class CertificateCheckTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("conjur-tls-check-").FullName;
    private readonly X509Certificate2 _ca = CertificateAuthority.Create("test CA", Now.AddDays(-100), 3650);

    public void Dispose()
    {
        _ca.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void IssuedCertificate_IsUsable_AndNamesThePart()
    {
        var spec = Write("agent-node1", _ca, Now, 365);

        var status = CertificateCheck.Inspect(spec, Now);

        status.Problem.ShouldBeNull();
        status.NotAfter.ShouldBe(Now.AddDays(365));
        var loaded = new X509Certificate2Collection();
        loaded.ImportFromPemFile(spec.CertFile);
        using var certificate = loaded.Single();
        certificate.GetNameInfo(X509NameType.SimpleName, false).ShouldBe("agent-node1");
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses().Select(ip => ip.ToString()).ShouldBe(["127.0.0.1"]);
        certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>()
            .Select(o => o.Value).ShouldBe([CertificateAuthority.ServerAuthentication, CertificateAuthority.ClientAuthentication]);
        certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority.ShouldBeFalse();
    }

    [Fact]
    public void MissingCertificate_NamesTheFile()
    {
        var spec = Write("agent-node1", _ca, Now, 365);
        File.Delete(spec.CertFile);

        CertificateCheck.Inspect(spec, Now).Problem.ShouldBe($"the certificate {spec.CertFile} is missing: 'cluster up' issues it, 'cluster certs rotate' replaces it");
    }

    [Fact]
    public void MissingKey_NamesTheFile()
    {
        var spec = Write("agent-node1", _ca, Now, 365);
        File.Delete(spec.KeyFile);

        CertificateCheck.Inspect(spec, Now).Problem!.ShouldStartWith($"the private key {spec.KeyFile} is missing");
    }

    [Fact]
    public void KeyOfAnotherCertificate_IsAMismatch()
    {
        var spec = Write("agent-node1", _ca, Now, 365);
        var other = Write("agent-node2", _ca, Now, 365);
        File.Copy(other.KeyFile, spec.KeyFile, overwrite: true);

        CertificateCheck.Inspect(spec, Now).Problem!.ShouldStartWith($"the private key {spec.KeyFile} does not match the certificate {spec.CertFile}");
    }

    [Fact]
    public void GarbageCertificate_IsNotPem()
    {
        var spec = Write("agent-node1", _ca, Now, 365);
        File.WriteAllText(spec.CertFile, "not a certificate");

        CertificateCheck.Inspect(spec, Now).Problem!.ShouldStartWith($"the certificate {spec.CertFile} is not a PEM certificate");
    }

    [Fact]
    public void Expired_SaysWhen()
    {
        var spec = Write("agent-node1", _ca, Now.AddDays(-30), 10);

        CertificateCheck.Inspect(spec, Now).Problem!.ShouldStartWith($"the certificate {spec.CertFile} expired at {Now.AddDays(-20):u}");
    }

    [Fact]
    public void NotYetValid_SaysFromWhen()
    {
        var spec = Write("agent-node1", _ca, Now.AddDays(2), 10);

        CertificateCheck.Inspect(spec, Now).Problem!.ShouldStartWith($"the certificate {spec.CertFile} is not valid yet");
    }

    [Fact]
    public void IssuedByAnotherCa_IsForeign()
    {
        using var foreign = CertificateAuthority.Create("someone else's CA", Now.AddDays(-1), 3650);
        var spec = Write("agent-node1", foreign, Now, 365);
        File.WriteAllText(spec.CaFile, _ca.ExportCertificatePem());

        CertificateCheck.Inspect(spec, Now).Problem!.ShouldStartWith($"the certificate {spec.CertFile} is not issued by the cluster CA in {spec.CaFile}");
    }

    [Fact]
    public void BundleOfTwoCas_AcceptsEither_AsDuringACaRotation()
    {
        using var next = CertificateAuthority.Create("next CA", Now.AddDays(-1), 3650);
        var spec = Write("agent-node1", next, Now, 365);
        File.WriteAllText(spec.CaFile, _ca.ExportCertificatePem() + "\n" + next.ExportCertificatePem() + "\n");

        CertificateCheck.Inspect(spec, Now).Problem.ShouldBeNull();
    }

    [Fact]
    public void NeverOutlivesItsCa()
    {
        using var shortCa = CertificateAuthority.Create("short CA", Now.AddDays(-1), 30);
        var spec = Write("agent-node1", shortCa, Now, 365);

        CertificateCheck.Inspect(spec, Now).NotAfter.ShouldBe(shortCa.NotAfter.ToUniversalTime());
    }

    [Fact]
    public void WithTlsOff_NothingIsRequired()
    {
        var spec = new CertificateSpec("agent-node1", Path.Combine(_dir, "absent"), null, [], true, true);
        var config = DefaultTopology.Create(_dir, 20000) with { Tls = new TlsConfig { Enabled = false } };

        Should.NotThrow(() => CertificateCheck.Require(config, spec));
        Should.Throw<ConfigurationException>(() => CertificateCheck.Require(config with { Tls = new TlsConfig() }, spec))
            .Message.ShouldContain("TLS (agent-node1): the certificate");
    }

    private CertificateSpec Write(string name, X509Certificate2 ca, DateTimeOffset issuedAt, int days)
    {
        var spec = new CertificateSpec(name, Path.Combine(_dir, name), null, ["127.0.0.1"], Server: true, Client: true);
        Directory.CreateDirectory(spec.Dir);
        var (certificate, key) = CertificateAuthority.Issue(ca, spec, issuedAt, days);
        File.WriteAllText(spec.CertFile, certificate);
        File.WriteAllText(spec.KeyFile, key);
        File.WriteAllText(spec.CaFile, ca.ExportCertificatePem());
        return spec;
    }
}
