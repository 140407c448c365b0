using System.Text;
using Conjur.EventSourced.NodeAgent.Audit;
using Conjur.EventSourced.NodeAgent.Secrets.Authz;
using Conjur.EventSourced.NodeAgent.Secrets.Crypto;
using Conjur.EventSourced.NodeAgent.Secrets.Storage;
using Conjur.EventSourced.NodeAgent.Secrets.Tokens;

namespace Conjur.EventSourced.NodeAgent.Secrets.Api;

/// <summary>
/// <c>GET /authn/{account}/login</c> (HTTP Basic with the API key as password, answers the API key) and
/// <c>POST /authn/{account}/{login}/authenticate</c> (body: the API key; answers an 8-minute access token,
/// base64-encoded with <c>Accept-Encoding: base64</c>). Both only read: followers serve them from their replica.
/// </summary>
public static class AuthnEndpoints
{
    public static void MapAuthn(this IEndpointRouteBuilder app)
    {
        app.MapGet("/authn/{account}/login", async (string account, HttpContext http, SecretsStore store, IAuditTrail audit, CancellationToken ct) =>
        {
            if (!TryBasic(http.Request.Headers.Authorization.ToString(), out var login, out var apiKey))
            {
                return ConjurErrors.Unauthorized();
            }
            var role = ResourceId.FromLogin(account, login);
            var clientIp = Caller.ClientIp(http);
            var failure = await CheckAsync(store, role, apiKey, clientIp, ct);
            var ok = failure is null;
            await audit.RecordAsync(new AuditEvent
            {
                MessageId = "authn", Operation = "login", Success = ok, User = role.ToString(), Subject = role.ToString(),
                ClientIp = clientIp,
                Message = ok ? $"{role} successfully logged in with authenticator authn" : $"{role} failed to login with authenticator authn: {failure}",
            }, ct);
            return ok ? Results.Text(apiKey, "text/plain") : ConjurErrors.Unauthorized();
        });

        app.MapPost("/authn/{account}/{login}/authenticate", async (string account, string login, HttpContext http, SecretsStore store, IAuditTrail audit, CancellationToken ct) =>
        {
            login = Uri.UnescapeDataString(login);
            string apiKey;
            using (var reader = new StreamReader(http.Request.Body, Encoding.UTF8))
            {
                apiKey = (await reader.ReadToEndAsync(ct)).Trim();
            }
            var role = ResourceId.FromLogin(account, login);
            var clientIp = Caller.ClientIp(http);
            var failure = apiKey.Length == 0 ? InvalidCredentials : await CheckAsync(store, role, apiKey, clientIp, ct);
            var key = failure is null ? await store.SigningKeyAsync(account, ct) : null;
            var ok = key is not null;
            await audit.RecordAsync(new AuditEvent
            {
                MessageId = "authn", Operation = "authenticate", Success = ok, User = role.ToString(), Subject = role.ToString(),
                ClientIp = clientIp,
                Message = ok ? $"{role} successfully authenticated with authenticator authn" : $"{role} failed to authenticate with authenticator authn: {failure ?? InvalidCredentials}",
            }, ct);
            if (!ok)
            {
                return ConjurErrors.Unauthorized();
            }
            var token = AccessToken.Issue(account, login, key!, DateTimeOffset.UtcNow);
            if (http.Request.Headers.AcceptEncoding.ToString().Contains("base64", StringComparison.OrdinalIgnoreCase))
            {
                http.Response.Headers.ContentEncoding = "base64";
                return Results.Text(Convert.ToBase64String(Encoding.UTF8.GetBytes(token)), "text/plain");
            }
            return Results.Text(token, "application/json");
        });
    }

    private const string InvalidCredentials = "invalid credentials";

    /// <summary>Null when the API key is the role's and <paramref name="clientIp"/> is within its <c>restricted_to</c>; else why not, for the audit record.</summary>
    private static async Task<string?> CheckAsync(SecretsStore store, ResourceId role, string apiKey, string clientIp, CancellationToken ct)
    {
        if (await store.CredentialsAsync(role.ToString(), ct) is not { } credentials || !ApiKeys.Matches(apiKey, credentials.ApiKeyHash))
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
