using System.Net.Security;
using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Tests.Fixtures;

namespace Conjur.EventSourced.Tests.Integration.Services;

/// <summary>
/// etcd's two links, clients and peers, are mutual TLS under the cluster CA: plain text, no client certificate and a
/// certificate of another CA are refused; the cluster's certificate works (with the user's password on top, for
/// clients), and the peer port admits only the members' own name.
/// </summary>
public sealed partial class EtcdAuthenticationTests
{
    [Fact]
    public async Task EtcdClient_PlainText_Refused()
    {
        var plain = _config.EtcdEndpoints.Select(e => e.Replace("https://", "http://", StringComparison.Ordinal)).ToList();
        using var session = new EtcdSession(plain, TimeSpan.FromSeconds(2), _config.EtcdOperatorCredentials());

        output.WriteLine((await Should.ThrowAsync<EtcdUnavailableException>(() => session.GetKeyAsync(_keys.Member("node1")))).Message);
        await ClusterCertificateReadsAsync();
    }

    [Fact]
    public async Task EtcdClient_WithoutAClientCertificate_Refused()
    {
        using var http = new HttpClient(new SocketsHttpHandler { SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = TlsClient.TrustOnly(_config.PublicCaFile()) } });

        var e = await Should.ThrowAsync<HttpRequestException>(() => http.GetAsync(_config.EtcdEndpoints[0] + "/version"));

        output.WriteLine(e.InnerException?.Message ?? e.Message);
        (await Etcdctl("get", _keys.Member("node1"), "--user", $"{_config.EtcdOperatorCredentials().User}:{_config.EtcdOperatorCredentials().Password}",
            "--cert=", "--key=")).Succeeded.ShouldBeFalse();
        await ClusterCertificateReadsAsync();
    }

    [Fact]
    public async Task EtcdClient_CertificateOfAnotherCa_Refused()
    {
        using var foreign = new ForeignCertificate("operator", _config.PublicCaFile());
        using var session = new EtcdSession(_config.EtcdEndpoints, TimeSpan.FromSeconds(2), _config.EtcdOperatorCredentials(), foreign.Spec);

        // The member resets the handshake: to the client every endpoint is unreachable.
        output.WriteLine((await Should.ThrowAsync<EtcdUnavailableException>(() => session.GetKeyAsync(_keys.Member("node1")))).Message);
        await ClusterCertificateReadsAsync();
    }

    [Fact]
    public Task EtcdClient_ClusterCertificateAndPassword_Reads() => ClusterCertificateReadsAsync();

    /// <summary>The same members answer the cluster's certificate with the operator's password: a refusal was the credential's, not an etcd that was down.</summary>
    private async Task ClusterCertificateReadsAsync()
    {
        using var session = EtcdSession.For(_config, _config.Operator(), _config.EtcdOperatorCredentials(), TimeSpan.FromSeconds(3));

        (await session.GetKeyAsync(_keys.Member("node1"))).ShouldNotBeNull();
    }

    [Fact]
    public async Task EtcdPeer_PlainTextNoCertificateForeignOneAndAnotherPartsOne_Refused_AMembersCertificateAdmitted()
    {
        var peer = $"https://{_config.Etcd.Host}:{_config.Etcd.Members[0].PeerPort}/version";
        using var foreign = new ForeignCertificate(ClusterCertificates.EtcdPeerName, _config.PublicCaFile());

        (await PeerAsync(peer.Replace("https://", "http://", StringComparison.Ordinal), null)).ShouldBeNull();
        (await PeerAsync(peer, new SocketsHttpHandler { SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = TlsClient.TrustOnly(_config.PublicCaFile()) } })).ShouldBeNull();
        (await PeerAsync(peer, TlsClient.Configure(new SocketsHttpHandler(), foreign.Spec))).ShouldBeNull();
        (await PeerAsync(peer, TlsClient.Configure(new SocketsHttpHandler(), _config.Agent(_config.Nodes[0])))).ShouldBeNull();
        (await PeerAsync(peer, TlsClient.Configure(new SocketsHttpHandler(), _config.EtcdMember(_config.Etcd.Members[1])))).ShouldBe(200);
    }

    private Task<int?> PeerAsync(string url, SocketsHttpHandler? handler) => TlsProbe.StatusAsync(url, handler ?? new SocketsHttpHandler(), output);
}
