using System.Security.Cryptography.X509Certificates;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>
/// A genuine agent certificate of the cluster CA for any node id, as the operator's <c>cluster up</c> (which holds the
/// CA's key) would issue it: what a test that ships audit "as a node" presents on the master's internal listener, and
/// what an attacker who took a whole node over would hold.
/// </summary>
public sealed class AgentCertificate : IDisposable
{
    public AgentCertificate(ClusterConfig config, string nodeId)
    {
        Dir = Directory.CreateTempSubdirectory("conjur-agent-cert-").FullName;
        Spec = new CertificateSpec(ClusterCertificates.AgentNamePrefix + nodeId, Dir, null, ["127.0.0.1", "localhost"], Server: true, Client: true);
        using var ca = X509Certificate2.CreateFromPemFile(config.CaCertFile(), config.CaKeyFile());
        var (certificate, key) = CertificateAuthority.Issue(ca, Spec, DateTimeOffset.UtcNow, 1);
        SecretFiles.Write(Spec.CertFile, certificate);
        SecretFiles.Write(Spec.KeyFile, key);
        SecretFiles.Write(Spec.CaFile, File.ReadAllText(config.PublicCaFile()));
    }

    public string Dir { get; }
    public CertificateSpec Spec { get; }

    /// <summary>A client that presents this certificate and trusts the cluster CA alone.</summary>
    public HttpClient Client(TimeSpan timeout) => new(TlsClient.Configure(new SocketsHttpHandler(), Spec)) { Timeout = timeout };

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
