using Conjur.EventSourced.Hosting.Services;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Tests.Unit.Services;

public sealed class HaProxyConfigTests
{
    private static readonly ClusterConfig Cluster = DefaultTopology.Create("/tmp/conjur-unit", 41000, nodes:
    [
        ("node1", NodeRole.Master, false),
        ("node2", NodeRole.Standby, false),
        ("node3", NodeRole.Standby, false),
        ("node4", NodeRole.Follower, false),
        ("node5", NodeRole.Standby, true),
    ]) with { Tls = new TlsConfig() };

    private static readonly ClusterConfig Plain = Cluster with { Tls = new TlsConfig { Enabled = false } };

    private static readonly string Text = HaProxyConfig.Render(Cluster);

    [Fact]
    public void FailoverSet_EveryMasterAndSyncStandbyIsABackendInBothFrontends()
    {
        foreach (var id in new[] { "node1", "node2", "node3" })
        {
            var n = Cluster.Node(id);
            Text.ShouldContain($"server {id} 127.0.0.1:{n.HttpPort} {HaProxyConfig.ServerCheck} {HaProxyConfig.Check(Cluster, n)}\n");
            Text.ShouldContain($"server {id} 127.0.0.1:{n.PostgresPort} track master_http/{id} on-marked-down shutdown-sessions\n");
        }
    }

    [Fact]
    public void WithTls_EveryCheckGoesToTheAgentsInternalListener_PresentingHaproxysCertificate_AndVerifyingTheAgents()
    {
        var node = Cluster.Node("node2");

        var check = HaProxyConfig.Check(Cluster with { Tls = new TlsConfig() }, node);

        check.ShouldBe($"port {node.InternalPort} check-ssl ssl verify required ca-file {Cluster.LoadBalancer().CaFile} crt {Cluster.LoadBalancerPemFile()} no-ssl-reuse");
        HaProxyConfig.Check(Cluster with { Tls = new TlsConfig { Enabled = false } }, node).ShouldBe($"port {node.HttpPort}");
    }

    [Fact]
    public void FollowersAndAsyncStandbys_AreNeverBackends()
    {
        Text.ShouldNotContain("server node4");
        Text.ShouldNotContain("server node5");
    }

    [Fact]
    public void WithTls_ClientFacingFronts_AnswerHttpsAlone_WithHaproxysCertificate()
    {
        var lb = Cluster.LoadBalancer;
        var tls = $" ssl crt {Cluster.LoadBalancerPemFile()} ssl-min-ver TLSv1.2\n";
        Text.ShouldContain($"bind 127.0.0.1:{lb.HttpPort}{tls}");
        Text.ShouldContain($"bind 127.0.0.1:{lb.StatsPort}{tls}");
        // Postgres speaks its own TLS (verify-full to the node behind): passed through, never opened here.
        Text.ShouldContain($"bind 127.0.0.1:{lb.PostgresPort}\n");
        Text.ShouldContain("stats uri /stats");
    }

    [Fact]
    public void WithoutTls_FrontsBindInPlainText_AndThereIsNoInternalFront()
    {
        var text = HaProxyConfig.Render(Plain);
        text.ShouldContain($"bind 127.0.0.1:{Plain.LoadBalancer.HttpPort}\n");
        text.ShouldNotContain(" ssl ");
        text.ShouldNotContain("conjur_internal");
    }

    [Fact]
    public void WithTls_TheInternalFront_PassesTcpThroughToTheMastersMutualTlsListener()
    {
        Section("frontend conjur_internal").ShouldContain($"bind 127.0.0.1:{Cluster.LoadBalancer.InternalPort}\n");
        var backend = Section("backend master_internal");
        backend.ShouldContain("mode tcp");
        backend.ShouldNotContain("ssl");
        foreach (var id in new[] { "node1", "node2", "node3" })
        {
            backend.ShouldContain($"server {id} 127.0.0.1:{Cluster.Node(id).InternalPort} track master_http/{id} on-marked-down shutdown-sessions");
        }
        backend.ShouldNotContain("node4");
    }

    [Fact]
    public void BothBackends_RouteByAgentHealthWithFastChecks_OneCheckPerNode()
    {
        Section("backend master_http").ShouldContain("option httpchk GET /health");
        Section("backend master_postgres").ShouldNotContain("httpchk");
        Section("backend master_postgres").ShouldContain("track master_http/node1");
        Section("backend master_postgres").ShouldContain("mode tcp");
        Text.Split("http-check expect status 200").Length.ShouldBe(2);
        // A healthy master's check has 250 ms for its connect and handshake; a failing or down server is checked every 100 ms.
        HaProxyConfig.ServerCheck.ShouldContain("inter 250ms fastinter 100ms downinter 100ms");
        HaProxyConfig.ServerCheck.ShouldContain("fall 2 rise 1");
        HaProxyConfig.ServerCheck.ShouldContain("on-marked-down shutdown-sessions");
    }

    [Fact]
    public void PostgresFrontend_IdleReplicationStreamIsNotCut()
    {
        Section("frontend conjur_postgres").ShouldContain("timeout client 24h");
        Section("backend master_postgres").ShouldContain("timeout tunnel 24h");
        Section("backend master_postgres").ShouldContain("timeout server 24h");
    }

    [Fact]
    public void HttpFrontend_DropsEveryClientSentConjurHeader_BeforeAddingItsOwn()
    {
        var frontend = Section("frontend conjur_http");
        var strip = frontend.IndexOf("http-request del-header X-Conjur- -m beg\n", StringComparison.Ordinal);

        strip.ShouldBeGreaterThan(0);
        strip.ShouldBeLessThan(frontend.IndexOf($"http-request set-header {HaProxyConfig.HopHeader} ", StringComparison.Ordinal));
    }

    [Fact]
    public void HttpFrontend_ReplacesForwardedForWithTheSource_NeverAppends()
    {
        var frontend = Section("frontend conjur_http");

        frontend.ShouldContain("http-request set-header X-Forwarded-For %[src]\n");
        frontend.ShouldContain("http-request del-header Forwarded\n");
        Text.ShouldNotContain("option forwardfor");
    }

    [Fact]
    public void HopHeader_IsTheSourcesHmac_WithTheKeyFromTheEnvironment_NotInTheFile() =>
        Section("frontend conjur_http").ShouldContain("http-request set-header X-Conjur-Hop \"%[src,hmac(sha256,${CONJUR_HOP_KEY}),base64]\"\n");

    [Fact]
    public void SameCluster_RendersTheSameText()
    {
        HaProxyConfig.Render(Cluster).ShouldBe(Text);
    }

    /// <summary>The lines of one section, up to the next blank line.</summary>
    private static string Section(string header)
    {
        // Anchored at a line start: "backend master_http" also ends the line "default_backend master_http".
        var start = Text.IndexOf("\n" + header + "\n", StringComparison.Ordinal);
        start.ShouldBeGreaterThanOrEqualTo(0, $"no section '{header}'");
        var end = Text.IndexOf("\n\n", start, StringComparison.Ordinal);
        return end < 0 ? Text[start..] : Text[start..end];
    }
}
