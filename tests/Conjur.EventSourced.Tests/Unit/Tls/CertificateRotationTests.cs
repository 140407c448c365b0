using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Tests.Unit.Tls;

/// <summary><c>certs rotate</c>: which certificates it replaces, and how a running part takes the new ones.</summary>
public sealed class CertificateRotationTests : IDisposable
{
    private readonly ClusterConfig _config = DefaultTopology.Create(Directory.CreateTempSubdirectory("conjur-tls-rotate-").FullName, 20000) with { Tls = new TlsConfig() };

    public void Dispose() => Directory.Delete(_config.StateDir, recursive: true);

    [Fact]
    public void OneNode_ItsAgentAndItsPostgres() =>
        CertificateRotation.Specs(_config, "node2", all: false).Select(s => s.Name).ShouldBe(["agent-node2", "postgres-node2"]);

    [Fact]
    public void All_EveryNodeAndTheControlPlane() =>
        CertificateRotation.Specs(_config, null, all: true).Select(s => s.Name).ShouldBe([
            "agent-node1", "postgres-node1", "agent-node2", "postgres-node2", "agent-node3", "postgres-node3", "agent-node4", "postgres-node4", "controlplane"]);

    [Fact]
    public void NodeAndAll_Refused() =>
        Should.Throw<ConfigurationException>(() => CertificateRotation.Specs(_config, "node2", all: true)).Message.ShouldContain("not both");

    [Fact]
    public void Neither_Refused() =>
        Should.Throw<ConfigurationException>(() => CertificateRotation.Specs(_config, null, all: false));

    [Fact]
    public void UnknownNode_RefusedNamingTheNodes() =>
        Should.Throw<ConfigurationException>(() => CertificateRotation.Specs(_config, "node9", all: false)).Message.ShouldContain("node1, node2");

    [Fact]
    public async Task Rotate_NewKeyAndCertificate_FromTheSameCa()
    {
        await new CertificateIssuer(_config).EnsureAsync(CancellationToken.None);
        var spec = _config.Agent(_config.Node("node2"));
        var (cert, key) = (await File.ReadAllTextAsync(spec.CertFile), await File.ReadAllTextAsync(spec.KeyFile));
        var ca = await File.ReadAllTextAsync(_config.CaCertFile());

        await new CertificateIssuer(_config).RotateAsync([spec], CancellationToken.None);

        (await File.ReadAllTextAsync(spec.CertFile)).ShouldNotBe(cert);
        (await File.ReadAllTextAsync(spec.KeyFile)).ShouldNotBe(key);
        (await File.ReadAllTextAsync(_config.CaCertFile())).ShouldBe(ca);
        CertificateCheck.Inspect(spec, DateTimeOffset.UtcNow).Problem.ShouldBeNull();
        File.GetUnixFileMode(spec.KeyFile).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public async Task ReloadingCertificate_PresentsTheRotatedOne_AfterItsFilesChange()
    {
        await new CertificateIssuer(_config).EnsureAsync(CancellationToken.None);
        var spec = _config.Agent(_config.Node("node1"));
        var reloading = new ReloadingCertificate(spec);
        var before = reloading.Current.Thumbprint;

        await new CertificateIssuer(_config).RotateAsync([spec], CancellationToken.None);

        (await Wait.UntilAsync(_ => Task.FromResult(reloading.Current.Thumbprint != before), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), CancellationToken.None))
            .ShouldBeTrue("the rotated certificate is presented within 10 s");
    }

    [Fact]
    public async Task ReloadingCertificate_KeepsTheCurrentOne_WhenTheNewFilesCannotBeUsed()
    {
        await new CertificateIssuer(_config).EnsureAsync(CancellationToken.None);
        var spec = _config.Agent(_config.Node("node1"));
        var problems = new List<string>();
        var reloading = new ReloadingCertificate(spec, problems.Add);
        var before = reloading.Current.Thumbprint;

        // Another part's key beside this certificate: the pair does not match.
        File.Copy(_config.Agent(_config.Node("node2")).KeyFile, spec.KeyFile, overwrite: true);
        await Wait.UntilAsync(_ => Task.FromResult(reloading.Current is not null && problems.Count > 0), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), CancellationToken.None);
        // Looked at again over more than one check period (the condition never holds): the files stay unusable meanwhile.
        await Wait.UntilAsync(_ => Task.FromResult(reloading.Current is null), TimeSpan.FromSeconds(1.5), TimeSpan.FromMilliseconds(100), CancellationToken.None);

        reloading.Current.Thumbprint.ShouldBe(before);
        problems.ShouldHaveSingleItem().ShouldContain("still presenting the previous one"); // said once, not at every look
    }
}
