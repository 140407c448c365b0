using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Conjur.EventSourced.Hosting.Tls;

/// <summary>
/// A part's own certificate as its files say now: a rotation (<c>cluster certs rotate</c>) is picked up by the next TLS
/// handshake, with no restart and no refused connection. The files' stamps are looked at no more than once a second;
/// a changed pair is loaded off the handshake path and taken only once it passes <see cref="CertificateCheck"/> (chains
/// to the CA, key matches, in date), so a pair caught halfway through being written, or a bad one, leaves the current
/// certificate in use and is tried again.
/// A server presents it through <see cref="Present"/>: one prepared <see cref="SslStreamCertificateContext"/> per
/// pair, so a handshake neither builds the certificate's chain again nor gets a TLS context of its own (each one did
/// with a certificate selector, which made a handshake slow enough under load for haproxy's checks to time out).
/// </summary>
public sealed class ReloadingCertificate
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);
    private readonly CertificateSpec _spec;
    private readonly Action<string>? _log;
    private readonly object _gate = new();
    private Loaded _loaded;
    private (DateTime Cert, DateTime Key) _refused;
    private DateTimeOffset _checkedAt;
    private int _reloading;

    private sealed record Loaded(X509Certificate2 Certificate, SslStreamCertificateContext Context, (DateTime Cert, DateTime Key) Stamp);

    public ReloadingCertificate(CertificateSpec spec, Action<string>? log = null)
    {
        _spec = spec;
        _log = log;
        _loaded = Load(FilesStamp(spec));
        _checkedAt = DateTimeOffset.UtcNow;
    }

    public CertificateSpec Spec => _spec;

    /// <summary>The certificate with its key, for a client presenting it.</summary>
    public X509Certificate2 Current => Fresh().Certificate;

    /// <summary>Sets the certificate a server presents on this handshake.</summary>
    public void Present(SslServerAuthenticationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ServerCertificateContext = Fresh().Context;
    }

    private Loaded Fresh()
    {
        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            if (now - _checkedAt >= CheckEvery)
            {
                _checkedAt = now;
                if (FilesStamp(_spec) != _loaded.Stamp && Interlocked.Exchange(ref _reloading, 1) == 0)
                {
                    // Chain checks and key parsing stay off the handshake: this one goes on with the current pair.
                    _ = Task.Run(Reload);
                }
            }
            return _loaded;
        }
    }

    private void Reload()
    {
        try
        {
            var stamp = FilesStamp(_spec);
            var status = CertificateCheck.Inspect(_spec, DateTimeOffset.UtcNow);
            if (!status.Usable)
            {
                // Said once per state of the files, not at every look while they stay unusable.
                if (stamp != _refused)
                {
                    _refused = stamp;
                    _log?.Invoke($"TLS ({_spec.Name}): the certificate files changed but cannot be used yet ({status.Problem}); still presenting the previous one");
                }
                return;
            }
            var loaded = Load(stamp);
            lock (_gate)
            {
                _loaded = loaded;
            }
            _log?.Invoke($"TLS ({_spec.Name}): now presenting the certificate {status.Subject} valid until {status.NotAfter:u}");
        }
        catch (Exception e) when (e is CryptographicException or IOException)
        {
            _log?.Invoke($"TLS ({_spec.Name}): the new certificate could not be loaded ({e.Message}); still presenting the previous one");
        }
        finally
        {
            Volatile.Write(ref _reloading, 0);
        }
    }

    private Loaded Load((DateTime Cert, DateTime Key) stamp)
    {
        var certificate = TlsClient.LoadWithKey(_spec);
        // offline: the cluster's certificates name no place to fetch anything from, and nothing is fetched.
        return new Loaded(certificate, SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true), stamp);
    }

    /// <summary>When the certificate and key files were last written: what tells a rotation happened.</summary>
    public static (DateTime Cert, DateTime Key) FilesStamp(CertificateSpec spec) => (File.GetLastWriteTimeUtc(spec.CertFile), File.GetLastWriteTimeUtc(spec.KeyFile));
}
