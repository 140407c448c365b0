using Conjur.EventSourced.NodeAgent.Secrets.Authz;
using Conjur.EventSourced.NodeAgent.Secrets.Storage;
using Conjur.EventSourced.NodeAgent.Secrets.Tokens;

namespace Conjur.EventSourced.NodeAgent.Secrets.Api;

/// <summary>Who is calling: the role behind a valid access token.</summary>
public sealed record Caller(ResourceId Role, AccessToken.Claims Claims)
{
    public string RoleId => Role.ToString();

    /// <summary>The caller from <c>Authorization: Token token="..."</c>; null for a missing, forged or expired token.</summary>
    public static async Task<Caller?> FromRequestAsync(HttpRequest request, SecretsStore store, CancellationToken ct)
    {
        var json = AccessToken.FromAuthorizationHeader(request.Headers.Authorization.ToString());
        if (json is null || !AccessToken.TryReadAccount(json, out var account, out _))
        {
            return null;
        }
        var key = await store.SigningKeyAsync(account, ct);
        if (key is null || AccessToken.Verify(json, key, DateTimeOffset.UtcNow) is not { } claims)
        {
            return null;
        }
        return new Caller(ResourceId.FromLogin(claims.Account, claims.Login), claims);
    }

    /// <summary>
    /// The client's address. Behind the load balancer, the last <c>X-Forwarded-For</c> entry is the one HAProxy
    /// added (earlier ones are whatever the client sent, so not trusted); a write a follower forwarded carries
    /// the follower's own entry before HAProxy's, naming the original client.
    /// </summary>
    public static string ClientIp(HttpContext http)
    {
        var remote = http.Connection.RemoteIpAddress;
        if (remote is not null && System.Net.IPAddress.IsLoopback(remote))
        {
            var entries = http.Request.Headers["X-Forwarded-For"].SelectMany(v => (v ?? "").Split(','))
                .Select(e => e.Trim()).Where(e => e.Length > 0).ToList();
            var skip = http.Request.Headers.ContainsKey(RoleGate.ForwardedHeader) ? 2 : 1;
            if (entries.Count >= skip)
            {
                return entries[^skip];
            }
        }
        return remote?.ToString() ?? "unknown";
    }
}
