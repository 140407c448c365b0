using System.Globalization;
using System.Text;
using Conjur.EventSourced.NodeAgent.Audit;
using Conjur.EventSourced.NodeAgent.Secrets.Authz;
using Conjur.EventSourced.NodeAgent.Secrets.Crypto;
using Conjur.EventSourced.NodeAgent.Secrets.Limits;
using Conjur.EventSourced.NodeAgent.Secrets.Storage;
using Conjur.EventSourced.NodeAgent.Secrets.Tokens;

namespace Conjur.EventSourced.NodeAgent.Secrets.Api;

/// <summary>
/// <c>GET /authn/{account}/login</c> (HTTP Basic with the API key as password, answers the API key) and
/// <c>POST /authn/{account}/{login}/authenticate</c> (body: the API key; answers an 8-minute access token,
/// base64-encoded with <c>Accept-Encoding: base64</c>). Both only read: followers serve them from their replica.
/// <para>
/// Guarded by <see cref="AuthnLimiter"/>: a login or client address over its failure limit gets 429 with
/// <c>Retry-After</c> before its key is looked at; a body over <see cref="AuthnLimits.MaxRequestBytes"/> gets 413
/// unread. A success is audited durably before the token is given (as every access is); a refusal is queued for the
/// audit without the request waiting on a write (<see cref="IAuditTrail.Enqueue"/>), and limited attempts are
/// summarised by the limiter, so an attacker's burst costs no write per request.
/// </para>
/// </summary>
public static class AuthnEndpoints
{
    public static void MapAuthn(this IEndpointRouteBuilder app)
    {
        app.MapGet("/authn/{account}/login", async (string account, HttpContext http, SecretsStore store, IAuditTrail audit, AuthnLimiter limiter, CancellationToken ct) =>
        {
            if (!TryBasic(http.Request.Headers.Authorization.ToString(), out var login, out var apiKey))
            {
                return ConjurErrors.Unauthorized();
            }
            var role = ResourceId.FromLogin(account, login).ToString();
            var client = Caller.ClientIp(http);
            if (Throttled(limiter, http, role, client, "login") is { } limited)
            {
                return limited;
            }
            var failure = await CheckAsync(store, role, apiKey, client, ct);
            var ok = failure is null;
            var record = new AuditEvent
            {
                MessageId = "authn", Operation = "login", Success = ok, User = role, Subject = role, ClientIp = client,
                Message = ok ? $"{role} successfully logged in with authenticator authn" : $"{role} failed to login with authenticator authn: {failure}",
            };
            if (!ok)
            {
                return Refuse(limiter, audit, record, "invalid_credentials", ConjurErrors.Unauthorized());
            }
            await audit.RecordAsync(record, ct);
            return Results.Text(apiKey, "text/plain");
        });

        app.MapPost("/authn/{account}/{login}/authenticate", async (string account, string login, HttpContext http, SecretsStore store, IAuditTrail audit, AuthnLimiter limiter, CancellationToken ct) =>
        {
            login = Uri.UnescapeDataString(login);
            var role = ResourceId.FromLogin(account, login).ToString();
            var client = Caller.ClientIp(http);
            if (Throttled(limiter, http, role, client, "authenticate") is { } limited)
            {
                return limited;
            }
            var max = limiter.Limits.MaxRequestBytes;
            var body = await BoundedBody.ReadAsync(http.Request, max, ct);
            if (body is null)
            {
                return Refuse(limiter, audit, Failure(role, client, $"the request body is over {max} bytes"), "too_large",
                    ConjurErrors.Error(StatusCodes.Status413PayloadTooLarge, "payload_too_large",
                        $"an authentication request's body is at most {max} bytes (setting {AuthnLimits.Section}:{nameof(AuthnLimits.MaxRequestBytes)})"));
            }
            var apiKey = Encoding.UTF8.GetString(body).Trim();
            var failure = apiKey.Length == 0 ? InvalidCredentials : await CheckAsync(store, role, apiKey, client, ct);
            var key = failure is null ? await store.SigningKeyAsync(account, ct) : null;
            if (key is null)
            {
                return Refuse(limiter, audit, Failure(role, client, failure ?? InvalidCredentials), "invalid_credentials", ConjurErrors.Unauthorized());
            }
            await audit.RecordAsync(new AuditEvent
            {
                MessageId = "authn", Operation = "authenticate", Success = true, User = role, Subject = role, ClientIp = client,
                Message = $"{role} successfully authenticated with authenticator authn",
            }, ct);
            var token = AccessToken.Issue(account, login, key, DateTimeOffset.UtcNow);
            if (http.Request.Headers.AcceptEncoding.ToString().Contains("base64", StringComparison.OrdinalIgnoreCase))
            {
                http.Response.Headers.ContentEncoding = "base64";
                return Results.Text(Convert.ToBase64String(Encoding.UTF8.GetBytes(token)), "text/plain");
            }
            return Results.Text(token, "application/json");
        });
    }

    private static AuditEvent Failure(string role, string client, string why) => new()
    {
        MessageId = "authn", Operation = "authenticate", Success = false, User = role, Subject = role, ClientIp = client,
        Message = $"{role} failed to authenticate with authenticator authn: {why}",
    };

    /// <summary>429 with Retry-After when the login or the address is over its limit (the attempt joins the window's summary), else null.</summary>
    private static IResult? Throttled(AuthnLimiter limiter, HttpContext http, string role, string client, string operation)
    {
        var now = DateTimeOffset.UtcNow;
        var decision = limiter.Check(role, client, now);
        if (decision.IsAllowed)
        {
            return null;
        }
        limiter.Limited(role, client, operation, decision, now);
        http.Response.Headers.RetryAfter = decision.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        var setting = decision.LimitedBy == "login" ? nameof(AuthnLimits.FailuresPerLogin) : nameof(AuthnLimits.FailuresPerClient);
        return ConjurErrors.Error(StatusCodes.Status429TooManyRequests, "too_many_requests",
            $"too many failed authentication attempts for this {(decision.LimitedBy == "login" ? "login" : "client address")}: at most {decision.Limit} "
            + $"per {limiter.Limits.FailureWindowSeconds} s (settings {AuthnLimits.Section}:{setting}, {AuthnLimits.Section}:{nameof(AuthnLimits.FailureWindowSeconds)}); "
            + $"retry in {decision.RetryAfterSeconds} s");
    }

    /// <summary>A refused attempt: counted against its login and address, and audited without waiting for the write.</summary>
    private static IResult Refuse(AuthnLimiter limiter, IAuditTrail audit, AuditEvent record, string reason, IResult answer)
    {
        limiter.Failed(record.User!, record.ClientIp!, reason, DateTimeOffset.UtcNow);
        audit.Enqueue(record);
        return answer;
    }

    private const string InvalidCredentials = "invalid credentials";

    /// <summary>Null when the API key is the role's and <paramref name="clientIp"/> is within its <c>restricted_to</c>; else why not, for the audit record.</summary>
    private static async Task<string?> CheckAsync(SecretsStore store, string role, string apiKey, string clientIp, CancellationToken ct)
    {
        if (await store.CredentialsAsync(role, ct) is not { } credentials || !ApiKeys.Matches(apiKey, credentials.ApiKeyHash))
        {
            return InvalidCredentials;
        }
        // Checked once the key is right, as Conjur does, so a guesser does not learn of the restriction.
        return OriginRestriction.Allows(credentials.RestrictedTo, clientIp)
            ? null
            : $"CONJ00003E User is not authorized to login from the current origin ({clientIp} is outside restricted_to {string.Join(", ", credentials.RestrictedTo)})";
    }

    private static bool TryBasic(string header, out string login, out string password)
    {
        login = password = "";
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                return false;
            }
            login = text[..colon];
            password = text[(colon + 1)..];
            return password.Length > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
