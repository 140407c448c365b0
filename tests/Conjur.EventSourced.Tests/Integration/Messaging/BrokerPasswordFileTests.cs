using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Tests.Integration.Messaging;

/// <summary>
/// The real agent and control plane binaries, started on a state folder whose other part has its broker
/// password but they do not: each stops at once and names the file it lacks (nothing else runs).
/// </summary>
public sealed class BrokerPasswordFileTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("conjur-broker-pw-");
    private readonly ClusterConfig _config;

    public BrokerPasswordFileTests()
    {
        // Passwords are the broker login only in plain text (under TLS the certificate is, BadCertificateStartupTests).
        _config = DefaultTopology.Create(_dir.FullName, basePort: 20400) with { Tls = new TlsConfig { Enabled = false } };
        _config.Save(_config.ConfigPath);
        // Every other credential is there, and another part's broker password: a part must not fall back on it.
        _config.EnsureDataKey();
        _config.EnsureEtcdPasswords();
        _config.EnsureApiTokens();
        NodeKeys.Ensure(_config);
        BrokerLogin.ForAgent(_config, "node2").EnsurePassword();
    }

    [Fact]
    public async Task AgentWithoutItsPasswordFile_StopsNamingTheFile()
    {
        var result = await CommandRunner.RunAsync("dotnet", [Binaries.NodeAgentDll, "--config", _config.ConfigPath, "--node", "node1"], TimeSpan.FromSeconds(60));

        result.ExitCode.ShouldBe(2);
        result.StdErr.ShouldContain(BrokerLogin.ForAgent(_config, "node1").PasswordFile);
    }

    [Fact]
    public async Task ControlPlaneWithoutItsPasswordFile_StopsNamingTheFile()
    {
        var result = await CommandRunner.RunAsync("dotnet", [Binaries.ControlPlaneDll, "--config", _config.ConfigPath], TimeSpan.FromSeconds(60));

        result.ExitCode.ShouldBe(2);
        result.StdErr.ShouldContain(BrokerLogin.ForControlPlane(_config).PasswordFile);
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
