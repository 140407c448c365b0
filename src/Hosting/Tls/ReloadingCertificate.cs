using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Conjur.EventSourced.Hosting.Tls;

/// <summary>
/// A part's own certificate as its files say now: a rotation (<c>cluster certs rotate</c>) is picked up by the next TLS
/// handshake, with no restart and no refused connection. The files are looked at no more than once a second; a new
/// pair is taken only once it passes <see cref="CertificateCheck"/> (chains to the CA, key matches, in date), so a pair
/// caught halfway through being written, or a bad one, leaves the current certificate in use and is tried again.
/// </summary>
public sealed class ReloadingCertificate
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);
    private readonly CertificateSpec _spec;
    private readonly Action<string>? _log;
    private readonly object _gate = new();
    private X509Certificate2 _current;
    private (DateTime Cert, DateTime Key) _stamp;
    private (DateTime Cert, DateTime Key) _refused;
    private DateTimeOffset _checkedAt;

    public ReloadingCertificate(CertificateSpec spec, Action<string>? log = null)
    {
        _spec = spec;
        _log = log;
        _stamp = FilesStamp(spec);
        _current = TlsClient.LoadWithKey(spec);
        _checkedAt = DateTimeOffset.UtcNow;
    }

    public CertificateSpec Spec => _spec;

    public X509Certificate2 Current
    {
        get
        {
            var now = DateTimeOffset.UtcNow;
            lock (_gate)
            {
                if (now - _checkedAt >= CheckEvery)
                {
                    _checkedAt = now;
                    Reload(now);
                }
                return _current;
            }
        }
    }

    private void Reload(DateTimeOffset now)
    {
        var stamp = FilesStamp(_spec);
        if (stamp == _stamp)
        {
            return;
        }
        var status = CertificateCheck.Inspect(_spec, now);
        if (!status.Usable)
        {
            // Said once per state of the files, not at every handshake while they stay unusable.
            if (stamp == _refused)
            {
                return;
            }
            _refused = stamp;
            _log?.Invoke($"TLS ({_spec.Name}): the certificate files changed but cannot be used yet ({status.Problem}); still presenting the previous one");
            return;
        }
        try
        {
            _current = TlsClient.LoadWithKey(_spec);
            _stamp = stamp;
            _log?.Invoke($"TLS ({_spec.Name}): now presenting the certificate {status.Subject} valid until {status.NotAfter:u}");
        }
        catch (Exception e) when (e is CryptographicException or IOException)
        {
            _log?.Invoke($"TLS ({_spec.Name}): the new certificate could not be loaded ({e.Message}); still presenting the previous one");
        }
    }

    /// <summary>When the certificate and key files were last written: what tells a rotation happened.</summary>
    public static (DateTime Cert, DateTime Key) FilesStamp(CertificateSpec spec) => (File.GetLastWriteTimeUtc(spec.CertFile), File.GetLastWriteTimeUtc(spec.KeyFile));
}
