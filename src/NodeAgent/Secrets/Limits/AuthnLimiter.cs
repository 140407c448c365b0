using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Conjur.EventSourced.Hosting.Telemetry;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Audit;

namespace Conjur.EventSourced.NodeAgent.Secrets.Limits;

/// <summary>
/// This node's failure counts per login and per client address (decided by <see cref="AuthnThrottle"/>), and the
/// audit of the attempts it refuses. A refused attempt costs no write of its own: the limited ones are counted per
/// login, address and window, and each count becomes one audit record when its window ends (and at shutdown).
/// Memory is bounded: windows are dropped once over, and past <see cref="MaxTracked"/> logins or addresses a new
/// one goes untracked (the other limit still applies) rather than growing the tables further.
/// </summary>
public sealed class AuthnLimiter : BackgroundService
{
    public const int MaxTracked = 100_000;
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    private readonly AuthnLimits _limits;
    private readonly IAuditTrail _audit;
    private readonly ILogger<AuthnLimiter> _log;
    private readonly ConcurrentDictionary<string, FailureWindow> _logins = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FailureWindow> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Role, string Client), Tally> _refused = new();
    private readonly Meter _meter = new(ConjurTelemetry.Prefix + "NodeAgent.Authn");
    private readonly Counter<long> _refusals;
    private readonly KeyValuePair<string, object?> _node;
    private long _untracked;

    public AuthnLimiter(AuthnLimits limits, IAuditTrail audit, NodeConfig node, ILogger<AuthnLimiter> log)
    {
        ArgumentNullException.ThrowIfNull(node);
        _limits = limits;
        _audit = audit;
        _log = log;
        _node = new("node", node.Id);
        _refusals = _meter.CreateCounter<long>("conjur.agent.authn.refused", "{attempt}",
            "Authentication attempts refused, by reason (invalid_credentials, rate_limited, too_large).");
    }

    public AuthnLimits Limits => _limits;

    public ThrottleDecision Check(string role, string client, DateTimeOffset now) =>
        AuthnThrottle.Decide(Get(_logins, role), Get(_clients, client), _limits, now);

    /// <summary>Counts a failed attempt (a wrong key, an oversize body) against the login and the address.</summary>
    public void Failed(string role, string client, string reason, DateTimeOffset now)
    {
        _refusals.Add(1, _node, new("reason", reason));
        Count(_logins, role, now);
        Count(_clients, client, now);
    }

    /// <summary>Counts an attempt refused by the limit into its login's and address's summary for this window.</summary>
    public void Limited(string role, string client, string operation, ThrottleDecision decision, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(decision);
        _refusals.Add(1, _node, new("reason", "rate_limited"));
        var key = (role, client);
        if (!_refused.ContainsKey(key) && _refused.Count >= MaxTracked)
        {
            key = ("", "");
        }
        _refused.AddOrUpdate(key, _ => new Tally(now, now, 1, operation, decision), (_, t) => t with { Last = now, Count = t.Count + 1, Decision = decision });
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Flush(DateTimeOffset.UtcNow, all: false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // The audit trail stops after this service (it was started first): these records still join its last group.
            Flush(DateTimeOffset.UtcNow, all: true);
        }
    }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }

    /// <summary>Writes the summaries whose window is over (all of them when stopping) and forgets expired windows.</summary>
    private void Flush(DateTimeOffset now, bool all)
    {
        foreach (var (key, tally) in _refused)
        {
            if ((all || now >= tally.First + _limits.Window) && _refused.TryRemove(new KeyValuePair<(string, string), Tally>(key, tally)))
            {
                _audit.Enqueue(Summary(key.Role, key.Client, tally));
            }
        }
        Prune(_logins, now);
        Prune(_clients, now);
        var untracked = Interlocked.Exchange(ref _untracked, 0);
        if (untracked > 0)
        {
            _log.LogWarning("authn: {Count} failure(s) went uncounted for a login or address: more than {Max} are tracked at once", untracked, MaxTracked);
        }
    }

    private AuditEvent Summary(string role, string client, Tally t)
    {
        var what = role.Length == 0 ? "many logins" : role;
        var attempts = t.Count == 1 ? "1 attempt" : string.Create(CultureInfo.InvariantCulture, $"{t.Count} attempts");
        var from = client.Length == 0 ? "many addresses" : client;
        var limit = string.Create(CultureInfo.InvariantCulture,
            $"more than {t.Decision.Limit} failed attempts per {(t.Decision.LimitedBy == "login" ? "login" : "client address")} in {_limits.FailureWindowSeconds} s");
        return new AuditEvent
        {
            MessageId = "authn",
            Operation = t.Operation,
            Success = false,
            User = role.Length == 0 ? null : role,
            Subject = role.Length == 0 ? null : role,
            ClientIp = client.Length == 0 ? null : client,
            Timestamp = t.First,
            Message = string.Create(CultureInfo.InvariantCulture,
                $"{what} failed to {(t.Operation == "login" ? "login" : "authenticate")} with authenticator authn: {attempts} from {from} refused between {t.First:O} and {t.Last:O} (rate limited: {limit})"),
        };
    }

    private static FailureWindow? Get(ConcurrentDictionary<string, FailureWindow> table, string key) =>
        table.TryGetValue(key, out var w) ? w : null;

    private void Count(ConcurrentDictionary<string, FailureWindow> table, string key, DateTimeOffset now)
    {
        if (!table.ContainsKey(key) && table.Count >= MaxTracked)
        {
            Prune(table, now);
            if (table.Count >= MaxTracked)
            {
                Interlocked.Increment(ref _untracked);
                return;
            }
        }
        table.AddOrUpdate(key, _ => AuthnThrottle.AfterFailure(null, _limits, now), (_, w) => AuthnThrottle.AfterFailure(w, _limits, now));
    }

    private void Prune(ConcurrentDictionary<string, FailureWindow> table, DateTimeOffset now)
    {
        foreach (var (key, window) in table)
        {
            if (AuthnThrottle.Expired(window, _limits, now))
            {
                table.TryRemove(new KeyValuePair<string, FailureWindow>(key, window));
            }
        }
    }

    /// <summary>Attempts refused by the limit for one login from one address, since <see cref="First"/>.</summary>
    private sealed record Tally(DateTimeOffset First, DateTimeOffset Last, int Count, string Operation, ThrottleDecision Decision);
}
