using System.Security.Cryptography.X509Certificates;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Integration.Security;

/// <summary>
/// A node agent started with a bad certificate stops at once, before it listens or connects anywhere, and says which
/// file and why: the real agent binary, with every other credential in place (no service is needed to see it stop).
/// </summary>
public sealed class BadCertificateStartupTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ClusterConfig _config = DefaultTopology.Create(Directory.CreateTempSubdirectory("conjur-badcert-").FullName, 26600) with { Tls = new TlsConfig() };
    private X509Certificate2 _ca = null!;

    private NodeConfig Node => _config.Node("node2");
    private CertificateSpec Agent => _config.Agent(Node);

    public async Task InitializeAsync()
    {
        _config.Save(_config.ConfigPath);
        _config.EnsureDataKey();
        _config.EnsureEtcdPasswords();
        foreach (var login in BrokerLogin.All(_config))
        {
            login.EnsurePassword();
        }
        NodeKeys.Ensure(_config);
        // A CA that began long ago, so a certificate can be issued that has already expired.
        _ca = CertificateAuthority.Create("old CA", DateTimeOffset.UtcNow.AddDays(-800), 3650);
        Directory.CreateDirectory(_config.CaDir());
        using (var key = _ca.GetECDsaPrivateKey()!)
        {
            await File.WriteAllTextAsync(_config.CaKeyFile(), key.ExportECPrivateKeyPem());
        }
        await File.WriteAllTextAsync(_config.CaCertFile(), _ca.ExportCertificatePem() + "\n");
        await new CertificateIssuer(_config).EnsureAsync(CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        _ca.Dispose();
        Directory.Delete(_config.StateDir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task MissingCertificate_StopsTheAgent_NamingTheFile()
    {
        File.Delete(Agent.CertFile);

        (await StartAgentAsync()).ShouldContain($"TLS (agent-node2): the certificate {Agent.CertFile} is missing");
    }

    [Fact]
    public async Task ExpiredCertificate_StopsTheAgent_SayingWhen()
    {
        await ReplaceAsync(_ca, DateTimeOffset.UtcNow.AddDays(-400), 30);

        (await StartAgentAsync()).ShouldContain($"the certificate {Agent.CertFile} expired at");
    }

    [Fact]
    public async Task NotYetValidCertificate_StopsTheAgent()
    {
        await ReplaceAsync(_ca, DateTimeOffset.UtcNow.AddDays(10), 30);

        (await StartAgentAsync()).ShouldContain($"the certificate {Agent.CertFile} is not valid yet");
    }

    [Fact]
    public async Task CertificateOfAnotherCa_StopsTheAgent()
    {
        using var foreign = CertificateAuthority.Create("someone else's CA", DateTimeOffset.UtcNow, 30);
        await ReplaceAsync(foreign, DateTimeOffset.UtcNow, 30);

        (await StartAgentAsync()).ShouldContain($"the certificate {Agent.CertFile} is not issued by the cluster CA in {Agent.CaFile}");
    }

    [Fact]
    public async Task KeyOfAnotherPart_StopsTheAgent()
    {
        File.Copy(_config.Agent(_config.Node("node3")).KeyFile, Agent.KeyFile, overwrite: true);

        (await StartAgentAsync()).ShouldContain($"the private key {Agent.KeyFile} does not match the certificate {Agent.CertFile}");
    }

    [Fact]
    public async Task BrokenPostgresCertificate_AlsoStopsTheAgent_BeforeItStartsPostgres()
    {
        var postgres = _config.Postgres(Node);
        await File.WriteAllTextAsync(postgres.CertFile, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");

        (await StartAgentAsync()).ShouldContain($"TLS (postgres-node2): the certificate {postgres.CertFile} is not a PEM certificate");
        Directory.Exists(Path.Combine(_config.NodeDir("node2"), "pgdata")).ShouldBeFalse();
    }

    private async Task ReplaceAsync(X509Certificate2 issuer, DateTimeOffset issuedAt, int days)
    {
        var (certificate, key) = CertificateAuthority.Issue(issuer, Agent, issuedAt, days);
        await File.WriteAllTextAsync(Agent.KeyFile, key);
        await File.WriteAllTextAsync(Agent.CertFile, certificate);
    }

    /// <summary>Runs the agent; it must exit with 2 (a configuration error) within the bound. Returns what it printed.</summary>
    private async Task<string> StartAgentAsync()
    {
        var run = await CommandRunner.RunAsync("dotnet", [Binaries.NodeAgentDll, "--config", _config.ConfigPath, "--node", Node.Id], TimeSpan.FromSeconds(60));
        output.WriteLine(run.StdErr);
        run.ExitCode.ShouldBe(2, run.StdOut + run.StdErr);
        return run.StdErr;
    }
}
