using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Tls;

/// <summary>
/// Creates the cluster CA on a new cluster (or uses the one the operator put in <c>secrets/tls/</c>) and issues each
/// part's certificate into its folder: every file 0600 and the folder 0700, owned by the user that reads the key (only
/// the public copy of the CA for clients, <see cref="ClusterCertificates.PublicCaFile"/>, is readable by all).
/// </summary>
public sealed class CertificateIssuer(ClusterConfig config, Action<string>? progress = null)
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDir = Private | UnixFileMode.UserExecute;
    private const UnixFileMode Public = Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Makes the CA if there is none, copies its bundle to every part, and issues every certificate that is missing.</summary>
    public async Task EnsureAsync(CancellationToken ct)
    {
        // As any folder (the postgres and rabbitmq users traverse it to their own); only secrets/ below is private.
        Directory.CreateDirectory(config.StateDir);
        using var ca = LoadOrCreateCa();
        var bundle = CaBundle();
        WritePublicFile(config.PublicCaFile(), bundle);
        foreach (var spec in config.All())
        {
            if (!File.Exists(spec.CertFile) || !File.Exists(spec.KeyFile))
            {
                await IssueAsync(ca, spec, bundle, ct);
                progress?.Invoke($"issued the certificate of {spec.Name} (valid {config.Tls.CertificateDays} days)");
            }
            else if (!File.Exists(spec.CaFile) || await File.ReadAllTextAsync(spec.CaFile, ct) != bundle)
            {
                await WriteBundleAsync(spec, bundle, ct);
            }
        }
    }

    /// <summary>
    /// Issues <paramref name="specs"/> again from the CA: a new key and certificate each, written key first, then the
    /// certificate, each file replaced atomically. Parts pick them up at their next handshake (<see cref="ReloadingCertificate"/>);
    /// the previous certificates stay valid until they expire, so a connection that still presents one is not refused.
    /// </summary>
    public async Task RotateAsync(IReadOnlyList<CertificateSpec> specs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(specs);
        using var ca = LoadOrCreateCa();
        var bundle = CaBundle();
        foreach (var spec in specs)
        {
            await IssueAsync(ca, spec, bundle, ct);
            progress?.Invoke($"issued a new certificate for {spec.Name} (valid {config.Tls.CertificateDays} days)");
        }
    }

    private async Task IssueAsync(X509Certificate2 ca, CertificateSpec spec, string bundle, CancellationToken ct)
    {
        if (!ca.HasPrivateKey)
        {
            throw new ConfigurationException($"cannot issue the certificate of {spec.Name}: the CA's private key {config.CaKeyFile()} is missing " +
                                             "(put the CA's key there, or the part's certificate and key in " + spec.Dir + ")");
        }
        var (certificate, key) = CertificateAuthority.Issue(ca, spec, DateTimeOffset.UtcNow, config.Tls.CertificateDays);
        CreatePartDirectory(spec);
        // The key first: a part that reads both in between sees a pair that does not match and retries, never a new
        // certificate beside the old key.
        SecretFiles.WriteAtomically(spec.KeyFile, key, Private);
        SecretFiles.WriteAtomically(spec.CertFile, certificate, Private);
        await WriteBundleAsync(spec, bundle, ct);
    }

    private async Task WriteBundleAsync(CertificateSpec spec, string bundle, CancellationToken ct)
    {
        CreatePartDirectory(spec);
        SecretFiles.WriteAtomically(spec.CaFile, bundle, Private);
        File.SetUnixFileMode(spec.Dir, PrivateDir);
        if (spec.Owner is { } owner)
        {
            await SystemUsers.ChownAsync(spec.Dir, owner, ct);
        }
    }

    /// <summary>
    /// The part's folder is its own (0700); a missing parent is made as any folder of the state (a node's folder
    /// must stay traversable for <c>postgres</c>), except under <c>secrets/</c>, which stays private all the way.
    /// </summary>
    private void CreatePartDirectory(CertificateSpec spec)
    {
        var parent = Path.GetDirectoryName(spec.Dir)!;
        if (Path.GetFullPath(parent).StartsWith(Path.GetFullPath(config.SecretsDir), StringComparison.Ordinal))
        {
            SecretFiles.CreatePrivateDirectory(parent);
        }
        else
        {
            Directory.CreateDirectory(parent);
        }
        if (!Directory.Exists(spec.Dir))
        {
            Directory.CreateDirectory(spec.Dir, PrivateDir);
        }
    }

    private X509Certificate2 LoadOrCreateCa()
    {
        var certFile = config.CaCertFile();
        var keyFile = config.CaKeyFile();
        if (!File.Exists(certFile))
        {
            if (File.Exists(keyFile))
            {
                throw new ConfigurationException($"the CA key {keyFile} is there but its certificate {certFile} is missing: restore it, or remove both for a new CA");
            }
            using var created = CertificateAuthority.Create($"Conjur.EventSourced {config.ClusterId} CA", DateTimeOffset.UtcNow, config.Tls.CaDays);
            SecretFiles.CreatePrivateDirectory(config.CaDir());
            using var key = created.GetECDsaPrivateKey()!;
            SecretFiles.WriteAtomically(keyFile, key.ExportECPrivateKeyPem() + "\n", Private);
            SecretFiles.WriteAtomically(certFile, created.ExportCertificatePem() + "\n", Private);
            progress?.Invoke($"created the cluster CA ({certFile}, valid {config.Tls.CaDays} days)");
        }
        try
        {
            return File.Exists(keyFile) ? X509Certificate2.CreateFromPemFile(certFile, keyFile) : LoadCertificate(certFile);
        }
        catch (CryptographicException e)
        {
            throw new ConfigurationException($"the cluster CA in {certFile} (key {keyFile}) cannot be used: {e.Message}", e);
        }
    }

    /// <summary>The CA certificate every part trusts: the CA file itself (during a CA rotation, it holds the old one too).</summary>
    private string CaBundle() => File.ReadAllText(config.CaCertFile());

    private static X509Certificate2 LoadCertificate(string path)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(path);
        return certificates.Count > 0 ? certificates[0] : throw new CryptographicException($"{path} holds no certificate");
    }

    private static void WritePublicFile(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!File.Exists(path) || File.ReadAllText(path) != content)
        {
            SecretFiles.WriteAtomically(path, content, Public);
        }
    }
}
