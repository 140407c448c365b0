using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Tests.Unit.Tls;

/// <summary><c>up</c> makes the cluster CA once and issues every part's certificate into that part's own folder.</summary>
public sealed class CertificateIssuerTests : IDisposable
{
    private readonly ClusterConfig _config = DefaultTopology.Create(Directory.CreateTempSubdirectory("conjur-tls-issue-").FullName, 20000) with { Tls = new TlsConfig() };

    public void Dispose() => Directory.Delete(_config.StateDir, recursive: true);

    [Fact]
    public async Task FirstUp_IssuesEveryPartACertificateOfTheClusterCa_WithPrivateKeys()
    {
        await new CertificateIssuer(_config).EnsureAsync(CancellationToken.None);

        var all = _config.All();
        all.Select(s => s.Name).ShouldBe([
            "agent-node1", "postgres-node1", "agent-node2", "postgres-node2", "agent-node3", "postgres-node3", "agent-node4", "postgres-node4",
            "controlplane", "controlplane-postgres", "etcd1", "etcd2", "etcd3", "rabbitmq", "haproxy", "operator", "subscriber"]);
        foreach (var spec in all)
        {
            CertificateCheck.Inspect(spec, DateTimeOffset.UtcNow).Problem.ShouldBeNull(spec.Name);
            File.GetUnixFileMode(spec.KeyFile).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite, spec.KeyFile);
            File.GetUnixFileMode(spec.Dir).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, spec.Dir);
        }
        File.GetUnixFileMode(_config.CaKeyFile()).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        (await File.ReadAllTextAsync(_config.PublicCaFile())).ShouldBe(await File.ReadAllTextAsync(_config.CaCertFile()));
    }

    [Fact]
    public async Task SecondUp_KeepsTheCaAndEveryCertificate()
    {
        await new CertificateIssuer(_config).EnsureAsync(CancellationToken.None);
        var ca = await File.ReadAllTextAsync(_config.CaCertFile());
        var agent = await File.ReadAllTextAsync(_config.Agent(_config.Nodes[0]).CertFile);

        await new CertificateIssuer(_config).EnsureAsync(CancellationToken.None);

        (await File.ReadAllTextAsync(_config.CaCertFile())).ShouldBe(ca);
        (await File.ReadAllTextAsync(_config.Agent(_config.Nodes[0]).CertFile)).ShouldBe(agent);
    }

    [Fact]
    public async Task OnlyTheMissingCertificate_IsIssuedAgain()
    {
        await new CertificateIssuer(_config).EnsureAsync(CancellationToken.None);
        var kept = await File.ReadAllTextAsync(_config.Operator().CertFile);
        File.Delete(_config.Agent(_config.Nodes[1]).KeyFile);

        await new CertificateIssuer(_config).EnsureAsync(CancellationToken.None);

        CertificateCheck.Inspect(_config.Agent(_config.Nodes[1]), DateTimeOffset.UtcNow).Problem.ShouldBeNull();
        (await File.ReadAllTextAsync(_config.Operator().CertFile)).ShouldBe(kept);
    }

    [Fact]
    public async Task OperatorsOwnCa_WithoutItsKey_IssuesNothing_AndSaysWhy()
    {
        using var own = CertificateAuthority.Create("operator's CA", DateTimeOffset.UtcNow, 365);
        Directory.CreateDirectory(_config.CaDir());
        await File.WriteAllTextAsync(_config.CaCertFile(), own.ExportCertificatePem() + "\n");

        var error = await Should.ThrowAsync<ConfigurationException>(() => new CertificateIssuer(_config).EnsureAsync(CancellationToken.None));

        error.Message.ShouldContain("cannot issue the certificate of agent-node1: the CA's private key");
    }

    [Fact]
    public void LoadBalancersName_IsInTheCertificateOfEveryNodeThatCanBeMaster_Only()
    {
        var config = _config with
        {
            LoadBalancer = _config.LoadBalancer with { Host = "lb.example" },
            Nodes = _config.Nodes.Select(n => n with { Host = n.Id + ".example" }).ToList(),
        };

        config.Nodes.Select(n => (n.Id, config.Postgres(n).Hosts.Contains("lb.example"), config.Agent(n).Hosts.Contains("lb.example")))
            .ShouldBe([("node1", true, true), ("node2", true, true), ("node3", true, true), ("node4", false, false)]);
    }
}
