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

    /// <summary>The client's address: the load balancer's <c>X-Forwarded-For</c> when it came through it (or a follower's forwarding).</summary>
    public static string ClientIp(HttpContext http)
    {
        var remote = http.Connection.RemoteIpAddress;
        if (remote is not null && System.Net.IPAddress.IsLoopback(remote)
            && http.Request.Headers["X-Forwarded-For"].ToString() is { Length: > 0 } forwarded)
        {
            return forwarded.Split(',')[0].Trim();
        }
        return remote?.ToString() ?? "unknown";
    }
}
