using Conjur.EventSourced.NodeAgent.Secrets.Authz;
using Conjur.EventSourced.NodeAgent.Secrets.Storage;
using Conjur.EventSourced.NodeAgent.Secrets.Tokens;
using Conjur.EventSourced.NodeAgent.Trust;

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
    /// The client's address, as <see cref="ClientAddress.Decide"/> judges it from what <see cref="IPeerAuthentication"/>
    /// verified: a client-sent <c>X-Forwarded-For</c> (or <c>X-Conjur-Forwarded-By</c>) decides nothing.
    /// </summary>
    public static string ClientIp(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var peers = http.RequestServices.GetService<IPeerAuthentication>();
        return ClientAddress.Decide(peers?.VouchedClient(http.Request), peers?.LoadBalancerClient(http.Request), http.Connection.RemoteIpAddress?.ToString());
    }
}
