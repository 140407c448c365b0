using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Conjur.EventSourced.Cli.Secrets;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.Tests.Fixtures;

namespace Conjur.EventSourced.Tests.Integration.Secrets;

/// <summary>
/// <c>cluster certs rotate</c> on a running cluster: a standby's certificates, then the master's, replaced while a writer
/// writes through the load balancer without pause. Every part presents the new certificate at its next handshake (the
/// agent's listeners, its Postgres after a reload), nothing fails over, no write is refused, none acknowledged is lost.
/// </summary>
public sealed partial class SecretsApiTests
{
    [Fact, Step(Order = 6)]
    public async Task CertificatesRotated_StandbyThenMaster_UnderASteadyWriter_NoFailoverNoRefusalNothingLost()
    {
        var ct = CancellationToken.None;
        using var lb = new ConjurClient(cluster.Config, Lb);
        var admin = await lb.AuthenticateAsync(Account, "admin", cluster.AdminApiKey, ct);
        await lb.LoadPolicyAsync(admin, Account, "root", "- !variable rotation/key\n", ct);
        var master = await MasterAsync(ct);

        using var stop = new CancellationTokenSource();
        var acknowledged = 0;
        var refusals = new List<string>();
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await lb.SetSecretAsync(admin, Account, "rotation/key", Encoding.UTF8.GetBytes($"value-{acknowledged + 1}"), ct);
                    Interlocked.Increment(ref acknowledged);
                }
                catch (Exception e) when (e is SecretsApiException or HttpRequestException or TaskCanceledException)
                {
                    refusals.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {e.Message}");
                    await Task.Delay(50, ct);
                }
            }
        }, ct);

        var standby = cluster.Config.Nodes.First(n => n.Role == NodeRole.Standby && !n.Async && n.Id != master.Id);
        foreach (var node in new[] { standby, master })
        {
            var before = await PresentedAsync(node);
            var clock = Stopwatch.StartNew();
            await new CertificateIssuer(cluster.Config, output.WriteLine).RotateAsync(CertificateRotation.Specs(cluster.Config, node.Id, all: false), ct);
            var file = Fingerprints(cluster.Config.Agent(node), cluster.Config.Postgres(node));
            await Wait.ForAsync($"{node.Id} to present its new certificates", async c => await PresentedAsync(node) == file,
                TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
            output.WriteLine($"{node.Id}: new certificates presented {clock.ElapsedMilliseconds} ms after the rotation (before: {before}, now: {file})");
            before.ShouldNotBe(file);
        }
        var target = Volatile.Read(ref acknowledged) + 20;
        await Wait.ForAsync("the writer to go on after both rotations", _ => Task.FromResult(Volatile.Read(ref acknowledged) >= target), Bound, TimeSpan.FromMilliseconds(100));
        await stop.CancelAsync();
        await writer;
        output.WriteLine($"{acknowledged} writes acknowledged, {refusals.Count} refused");

        refusals.ShouldBeEmpty();
        (await MasterAsync(ct)).Id.ShouldBe(master.Id, "no failover");
        var latest = await lb.FetchAsync(admin, Account, "rotation/key", ct);
        Encoding.UTF8.GetString(latest.Value).ShouldBe($"value-{acknowledged}");
        Encoding.UTF8.GetString((await lb.FetchAsync(admin, Account, "rotation/key", ct, version: acknowledged)).Value).ShouldBe($"value-{acknowledged}");
    }

    private async Task<NodeConfig> MasterAsync(CancellationToken ct)
    {
        foreach (var n in cluster.Config.Nodes)
        {
            if (await ClusterLauncher.InfoAsync(cluster.Config, n, ct) is { } i && i.GetProperty("role").GetString() == "master")
            {
                return n;
            }
        }
        throw new InvalidOperationException("no node answers as master");
    }

    /// <summary>The SHA-256 fingerprints of the certificates in the files: the agent's, then its Postgres'.</summary>
    private static string Fingerprints(CertificateSpec agent, CertificateSpec postgres) =>
        $"{X509Certificate2.CreateFromPem(File.ReadAllText(agent.CertFile)).GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)}/" +
        X509Certificate2.CreateFromPem(File.ReadAllText(postgres.CertFile)).GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);

    /// <summary>What the node presents now: on its client port (the agent's certificate) and on its Postgres port.</summary>
    private async Task<string> PresentedAsync(NodeConfig node)
    {
        var agent = await HandshakeAsync(node.HttpPort, postgres: false);
        var pg = await HandshakeAsync(node.PostgresPort, postgres: true);
        return $"{agent}/{pg}";
    }

    /// <summary>
    /// One TLS handshake, trusting the cluster CA alone; for Postgres after its SSLRequest (8 bytes: length 8, code
    /// 80877103), to which it answers 'S' before TLS starts.
    /// </summary>
    private async Task<string?> HandshakeAsync(int port, bool postgres)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port, cts.Token);
        var stream = tcp.GetStream();
        if (postgres)
        {
            await stream.WriteAsync(new byte[] { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f }, cts.Token);
            var answer = new byte[1];
            if (await stream.ReadAsync(answer, cts.Token) != 1 || answer[0] != (byte)'S')
            {
                return null;
            }
        }
        await using var tls = new SslStream(stream);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            CertificateChainPolicy = TlsClient.TrustOnly(cluster.Config.PublicCaFile()),
        }, cts.Token);
        return tls.RemoteCertificate is X509Certificate2 c ? c.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256) : null;
    }
}
