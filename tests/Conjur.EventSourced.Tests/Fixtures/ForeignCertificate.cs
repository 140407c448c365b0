using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>
/// What an attacker with a CA of their own brings: a certificate with a legitimate part's name, issued by another CA.
/// Its CA bundle is the cluster's (the attacker can read the public CA), so the server's certificate verifies and only
/// the client certificate is foreign.
/// </summary>
public sealed class ForeignCertificate : IDisposable
{
    public ForeignCertificate(string name, string clusterCaFile)
    {
        Dir = Directory.CreateTempSubdirectory("conjur-foreign-").FullName;
        Spec = new CertificateSpec(name, Dir, null, ["127.0.0.1", "localhost"], Server: true, Client: true);
        using var ca = CertificateAuthority.Create($"{name}'s own CA", DateTimeOffset.UtcNow, 30);
        var (certificate, key) = CertificateAuthority.Issue(ca, Spec, DateTimeOffset.UtcNow, 30);
        SecretFiles.Write(Spec.CertFile, certificate);
        SecretFiles.Write(Spec.KeyFile, key);
        SecretFiles.Write(Spec.CaFile, File.ReadAllText(clusterCaFile));
    }

    public string Dir { get; }
    public CertificateSpec Spec { get; }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
