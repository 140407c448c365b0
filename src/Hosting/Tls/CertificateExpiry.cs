using System.Diagnostics.Metrics;
using Conjur.EventSourced.Hosting.Telemetry;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Tls;

/// <summary>
/// A part's own certificates and how long each has left, for <c>/health</c>, <c>/metrics</c> and the dashboard: read
/// from the files at most once a minute (a rotation shows within that), never on a request's path otherwise.
/// </summary>
public sealed class CertificateExpiry : IDisposable
{
    public const string MeterName = ConjurTelemetry.Prefix + "Tls";
    private static readonly TimeSpan Refresh = TimeSpan.FromMinutes(1);
    private readonly ClusterConfig _config;
    private readonly IReadOnlyList<CertificateSpec> _specs;
    private readonly TimeProvider _clock;
    private readonly Meter _meter = new(MeterName);
    private readonly object _gate = new();
    private IReadOnlyList<CertificateStatus> _statuses = [];
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    public CertificateExpiry(ClusterConfig config, IReadOnlyList<CertificateSpec> specs, TimeProvider? clock = null)
    {
        _config = config;
        _specs = specs;
        _clock = clock ?? TimeProvider.System;
        _meter.CreateObservableGauge("conjur.tls.certificate.expiry", () => Current().Where(s => s.NotAfter is not null)
                .Select(s => new Measurement<double>((s.NotAfter!.Value - _clock.GetUtcNow()).TotalSeconds, new KeyValuePair<string, object?>("part", s.Spec.Name))),
            "s", "Seconds until each of this part's certificates expires (negative once it has).");
        _meter.CreateObservableGauge("conjur.tls.certificate.expiring", () => Current()
                .Select(s => new Measurement<int>(Expiring(s) ? 1 : 0, new KeyValuePair<string, object?>("part", s.Spec.Name))),
            "{certificate}", "1 when the certificate expires within tls.expiryWarningDays or cannot be used, else 0.");
    }

    public bool Enabled => _config.Tls.Enabled;

    public IReadOnlyList<CertificateStatus> Current()
    {
        if (!Enabled)
        {
            return [];
        }
        var now = _clock.GetUtcNow();
        lock (_gate)
        {
            if (now - _readAt >= Refresh)
            {
                _statuses = _specs.Select(s => CertificateCheck.Inspect(s, now)).ToList();
                _readAt = now;
            }
            return _statuses;
        }
    }

    public bool Expiring(CertificateStatus s) => !s.Usable || s.ExpiresWithin(_clock.GetUtcNow(), _config.Tls.ExpiryWarningDays);

    /// <summary>The <c>tls</c> section of <c>/health</c>: each certificate's expiry, and whether any needs rotating soon.</summary>
    public Dictionary<string, object?> Report()
    {
        var now = _clock.GetUtcNow();
        var certificates = Current();
        return new Dictionary<string, object?>
        {
            ["enabled"] = Enabled,
            ["expiry_warning_days"] = _config.Tls.ExpiryWarningDays,
            ["expiring"] = certificates.Any(Expiring),
            ["certificates"] = certificates.Select(s => new Dictionary<string, object?>
            {
                ["part"] = s.Spec.Name,
                ["not_after"] = s.NotAfter,
                ["days_left"] = s.DaysLeft(now) is { } d ? Math.Round(d, 1) : null,
                ["expiring"] = Expiring(s),
                ["problem"] = s.Problem,
            }).ToList(),
        };
    }

    public void Dispose() => _meter.Dispose();
}
