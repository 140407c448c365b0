using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Net;
using System.Text;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Services;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Trust;
using Microsoft.AspNetCore.Http;

namespace Conjur.EventSourced.Tests.Unit.Trust;

/// <summary>The peer checks with real key files in a temporary state folder: a master (checks everyone) and a follower (only itself).</summary>
public sealed class HmacPeerAuthenticationTests : IDisposable
{
    private readonly ClusterConfig _config;
    private readonly HmacPeerAuthentication _master;
    private readonly HmacPeerAuthentication _follower;

    public HmacPeerAuthenticationTests()
    {
        _config = DefaultTopology.Create(Path.Combine(Path.GetTempPath(), $"peers-{Guid.NewGuid():N}"), 41000,
            nodes: [("node1", NodeRole.Master, false), ("node2", NodeRole.Follower, false)]) with { Tls = new TlsConfig() };
        NodeKeys.Ensure(_config);
        NodeKeys.EnsureHopKey(_config);
        _master = new HmacPeerAuthentication(_config, _config.Node("node1"));
        _follower = new HmacPeerAuthentication(_config, _config.Node("node2"));
    }

    public void Dispose() => Directory.Delete(_config.StateDir, recursive: true);

    private static byte[] Body(string origin) => Encoding.UTF8.GetBytes($"{{\"origin\":\"{origin}\"}}");

    /// <summary>
    /// What the receiving master sees of a request the sender built: by default on its internal listener, from the
    /// connection of <paramref name="certificate"/> (the agent certificate's common name; null for none).
    /// </summary>
    private DefaultHttpContext Received(HttpRequestMessage sent, string? certificate = "agent-node2", bool internalPort = true)
    {
        var http = new DefaultHttpContext();
        var master = _config.Node("node1");
        http.Connection.LocalPort = internalPort ? master.InternalPort : master.HttpPort;
        if (certificate is not null)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            http.Connection.ClientCertificate = new CertificateRequest($"CN={certificate}", key, HashAlgorithmName.SHA256)
                .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
        }
        http.Request.Method = sent.Method.Method;
        http.Request.Path = sent.RequestUri!.OriginalString.Split('?')[0];
        foreach (var (name, values) in sent.Headers)
        {
            http.Request.Headers[name] = values.ToArray();
        }
        return http;
    }

    [Fact]
    public void FollowersBatch_IsAuthenticatedByTheMasterAsTheFollower()
    {
        using var sent = new HttpRequestMessage(HttpMethod.Post, "/audit/records");
        _follower.SignAuditBatch(sent, Body("node2"));

        _master.AuthenticateAuditBatch(Received(sent).Request, Body("node2")).Node.ShouldBe("node2");
    }

    [Fact]
    public void MastersBatch_CannotBeCheckedByAFollower()
    {
        using var sent = new HttpRequestMessage(HttpMethod.Post, "/audit/records");
        _master.SignAuditBatch(sent, Body("node1"));

        _follower.AuthenticateAuditBatch(Received(sent, "agent-node1").Request, Body("node1")).Node.ShouldBeNull();
    }

    [Fact]
    public void UnderTls_ABatchSignedByTheFollower_OnTheMastersClientPort_IsRefused()
    {
        using var sent = new HttpRequestMessage(HttpMethod.Post, "/audit/records");
        _follower.SignAuditBatch(sent, Body("node2"));

        var check = _master.AuthenticateAuditBatch(Received(sent, certificate: null, internalPort: false).Request, Body("node2"));

        check.Node.ShouldBeNull();
        check.Problem!.ShouldContain("internal listener");
    }

    [Fact]
    public void UnderTls_ABatchSignedByTheFollower_SentWithAnotherAgentsCertificate_IsRefused()
    {
        using var sent = new HttpRequestMessage(HttpMethod.Post, "/audit/records");
        _follower.SignAuditBatch(sent, Body("node2"));

        var check = _master.AuthenticateAuditBatch(Received(sent, "agent-node1").Request, Body("node2"));

        check.Node.ShouldBeNull();
        check.Problem!.ShouldContain("agent-node1");
    }

    [Fact]
    public void UnderTls_AClientVouchedForOnTheClientPort_IsNotBelieved()
    {
        using var sent = new HttpRequestMessage(HttpMethod.Post, "/secrets/a/variable/x");
        sent.Headers.TryAddWithoutValidation("Authorization", "Token token=\"t\"");
        _follower.VouchForClient(sent, "10.0.0.7", "POST", "/secrets/a/variable/x");

        _master.VouchedClient(Received(sent, certificate: null, internalPort: false).Request).ShouldBeNull();
    }

    [Fact]
    public void WithoutTls_TheSignatureAloneIsBelieved()
    {
        var plain = new HmacPeerAuthentication(_config with { Tls = new TlsConfig { Enabled = false } }, _config.Node("node1"));
        using var sent = new HttpRequestMessage(HttpMethod.Post, "/audit/records");
        _follower.SignAuditBatch(sent, Body("node2"));

        plain.AuthenticateAuditBatch(Received(sent, certificate: null, internalPort: false).Request, Body("node2")).Node.ShouldBe("node2");
    }

    [Fact]
    public void ClientVouchedByTheFollower_IsBelievedByTheMaster_ForThatRequestOnly()
    {
        using var sent = new HttpRequestMessage(HttpMethod.Post, "/secrets/a/variable/x");
        sent.Headers.TryAddWithoutValidation("Authorization", "Token token=\"t\"");
        _follower.VouchForClient(sent, "10.0.0.7", "POST", "/secrets/a/variable/x");

        var received = Received(sent);
        _master.VouchedClient(received.Request).ShouldBe("10.0.0.7");
        received.Request.Path = "/secrets/a/variable/y";
        _master.VouchedClient(received.Request).ShouldBeNull();
    }

    [Fact]
    public void AddressVouchedByTheLoadBalancer_IsBelievedByTheMaster()
    {
        var http = new DefaultHttpContext();
        http.Request.Headers["X-Forwarded-For"] = "10.0.0.9";
        http.Request.Headers[HaProxyConfig.HopHeader] = HopMac.Compute(NodeKeys.Read(_config.LoadBalancerHopKeyFile()), IPAddress.Parse("10.0.0.9"));

        _master.LoadBalancerClient(http.Request).ShouldBe("10.0.0.9");
    }

    [Fact]
    public void ForwardedForWithoutTheHopMac_IsNotBelieved()
    {
        var http = new DefaultHttpContext();
        http.Request.Headers["X-Forwarded-For"] = "10.0.0.9";

        _master.LoadBalancerClient(http.Request).ShouldBeNull();
    }

    [Fact]
    public void Follower_NeverBelievesTheLoadBalancer()
    {
        var http = new DefaultHttpContext();
        http.Request.Headers["X-Forwarded-For"] = "10.0.0.9";
        http.Request.Headers[HaProxyConfig.HopHeader] = HopMac.Compute(NodeKeys.Read(_config.LoadBalancerHopKeyFile()), IPAddress.Parse("10.0.0.9"));

        _follower.LoadBalancerClient(http.Request).ShouldBeNull();
    }

    [Fact]
    public void MissingOwnKey_StopsTheAgent_NamingTheFile()
    {
        File.Delete(_config.NodeSigningKeyFile("node2"));

        Should.Throw<ConfigurationException>(() => new HmacPeerAuthentication(_config, _config.Node("node2"))).Message.ShouldContain("nodes/node2/signing.key");
    }
}
