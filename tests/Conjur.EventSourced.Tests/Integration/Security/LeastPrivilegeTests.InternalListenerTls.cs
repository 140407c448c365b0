using System.Net.Security;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Tests.Fixtures;

namespace Conjur.EventSourced.Tests.Integration.Security;

/// <summary>
/// Each agent's internal listener (the load balancer's health checks) is mutual TLS: plain text, no client certificate
/// and a certificate of another CA are refused; a certificate of the cluster works, and haproxy's own routes by it.
/// </summary>
public sealed partial class LeastPrivilegeTests
{
    private string InternalHealth(string scheme = "https") =>
        $"{scheme}://{cluster.Node("node1").Host}:{cluster.Node("node1").InternalPort}/health";

    [Fact]
    public async Task InternalListener_PlainText_Refused()
    {
        (await InternalAsync(InternalHealth("http"), new SocketsHttpHandler())).ShouldNotBe(200);
        await InternalListenerAdmitsTheClusterAsync();
    }

    [Fact]
    public async Task InternalListener_WithoutAClientCertificate_Refused()
    {
        (await InternalAsync(InternalHealth(), new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = TlsClient.TrustOnly(cluster.Config.PublicCaFile()) },
        })).ShouldBeNull();
        await InternalListenerAdmitsTheClusterAsync();
    }

    [Fact]
    public async Task InternalListener_CertificateOfAnotherCa_Refused()
    {
        using var foreign = new ForeignCertificate("haproxy", cluster.Config.PublicCaFile());

        (await InternalAsync(InternalHealth(), TlsClient.Configure(new SocketsHttpHandler(), foreign.Spec))).ShouldBeNull();
        await InternalListenerAdmitsTheClusterAsync();
    }

    /// <summary>The same listener answers a certificate of the cluster: a refusal was the credential's, not a closed port.</summary>
    private async Task InternalListenerAdmitsTheClusterAsync() =>
        (await InternalAsync(InternalHealth(), TlsClient.Configure(new SocketsHttpHandler(), cluster.Config.Operator()))).ShouldBe(200);

    [Fact]
    public async Task InternalListener_ClusterCertificate_Answers_AndTheLoadBalancerChecksThere()
    {
        await InternalListenerAdmitsTheClusterAsync();
        var haproxy = await File.ReadAllTextAsync(cluster.Launcher.LoadBalancer.ConfigPath);
        haproxy.ShouldContain($"port {cluster.Node("node1").InternalPort} check-ssl ssl verify required");
        // It routes to the master, so its checks there pass with its own certificate.
        (await cluster.ScalarAsync(cluster.LoadBalancerConnectionString(), "SELECT NOT pg_is_in_recovery()")).ShouldBe(true);
    }

    private Task<int?> InternalAsync(string url, SocketsHttpHandler handler) => TlsProbe.StatusAsync(url, handler, output);
}
