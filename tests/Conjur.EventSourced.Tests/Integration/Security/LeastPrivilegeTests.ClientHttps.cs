using System.Net;
using System.Net.Security;
using System.Text;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.NodeAgent.Trust;
using Conjur.EventSourced.Tests.Fixtures;

namespace Conjur.EventSourced.Tests.Integration.Security;

/// <summary>
/// Where people connect (each node's client API, the load balancer's HTTP and stats fronts, the control plane) answers
/// HTTPS alone, with a certificate a client verifies against <c>tls.ca</c> and nothing else; what nodes send the master
/// (audit batches, forwarded writes) counts only over mutual TLS, through the load balancer's internal front.
/// </summary>
public sealed partial class LeastPrivilegeTests
{
    private IEnumerable<string> ClientEndpoints()
    {
        var c = cluster.Config;
        yield return $"{c.ApiUrl(cluster.Node("node1"))}/info";
        yield return $"{c.ApiUrl(cluster.Node("node2"))}/info";
        yield return $"{c.LoadBalancerUrl}/info";
        yield return $"{c.LoadBalancerStatsUrl};csv";
        yield return $"{c.ControlPlaneUrl}/healthz";
    }

    [Fact]
    public async Task ClientEndpoints_PlainHttp_GetsNoAnswer()
    {
        foreach (var url in ClientEndpoints())
        {
            url.ShouldStartWith("https://");
            (await TlsProbe.StatusAsync(url.Replace("https://", "http://", StringComparison.Ordinal), new SocketsHttpHandler(), output)).ShouldBeNull(url);
        }
        await ClientEndpointsAnswerWithTheClusterCaAsync();
    }

    [Fact]
    public async Task ClientEndpoints_DoNotVerifyAgainstAnotherCa()
    {
        using var foreign = new ForeignCertificate("someone", cluster.Config.PublicCaFile());
        foreach (var url in ClientEndpoints())
        {
            var trustsOnlyTheirs = new SocketsHttpHandler { SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = TlsClient.TrustOnly(foreign.Spec.CertFile) } };
            (await TlsProbe.StatusAsync(url, trustsOnlyTheirs, output)).ShouldBeNull(url);
        }
        await ClientEndpointsAnswerWithTheClusterCaAsync();
    }

    /// <summary>Every client endpoint answers a client that trusts <c>tls.ca</c> alone and checks the host name.</summary>
    private async Task ClientEndpointsAnswerWithTheClusterCaAsync()
    {
        foreach (var url in ClientEndpoints())
        {
            (await TlsProbe.StatusAsync(url, ClusterHttp.Handler(cluster.Config), output)).ShouldBe(200, url);
        }
    }

    [Fact]
    public async Task InternalFront_ReachesTheMastersMutualTlsListener_OnlyWithAClusterCertificate()
    {
        var url = $"{cluster.Config.LoadBalancerInternalUrl}/health";

        (await TlsProbe.StatusAsync(url, ClusterHttp.Handler(cluster.Config), output)).ShouldBeNull("no client certificate");
        (await TlsProbe.StatusAsync(url, TlsClient.Configure(new SocketsHttpHandler(), cluster.Config.Operator()), output)).ShouldBe(200);
    }

    /// <summary>
    /// The follower's own key is not enough: a batch it signed, sent to the master's client port (where anyone can
    /// connect), is refused for want of the follower's agent certificate on the internal listener.
    /// </summary>
    [Fact]
    public async Task AuditBatch_SignedWithTheFollowersKey_OnTheMastersClientPort_IsRefused()
    {
        var follower = new HmacPeerAuthentication(cluster.Config, cluster.Node("node2"));
        var body = Encoding.UTF8.GetBytes("""{"origin":"node2","records":[]}""");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{cluster.Config.ApiUrl(cluster.Node("node1"))}/audit/records") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        follower.SignAuditBatch(request, body);
        using var http = ClusterHttp.Client(cluster.Config, TimeSpan.FromSeconds(10));

        using var response = await http.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        output.WriteLine(text);
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        text.ShouldContain("internal listener");
    }
}
