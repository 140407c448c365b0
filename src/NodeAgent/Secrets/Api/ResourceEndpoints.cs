using Conjur.EventSourced.NodeAgent.Secrets.Storage;

namespace Conjur.EventSourced.NodeAgent.Secrets.Api;

/// <summary><c>GET /whoami</c> and <c>GET /resources/{account}[/{kind}]</c> (only what the caller owns or holds a privilege on).</summary>
public static class ResourceEndpoints
{
    public static void MapResources(this IEndpointRouteBuilder app)
    {
        app.MapGet("/whoami", async (HttpContext http, SecretsStore store, CancellationToken ct) =>
        {
            if (await Caller.FromRequestAsync(http.Request, store, ct) is not { } caller)
            {
                return ConjurErrors.Unauthorized();
            }
            return Results.Json(new Dictionary<string, object>
            {
                ["client_ip"] = Caller.ClientIp(http),
                ["user_agent"] = http.Request.Headers.UserAgent.ToString(),
                ["account"] = caller.Claims.Account,
                ["username"] = caller.Claims.Login,
                ["token_issued_at"] = caller.Claims.IssuedAt.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", System.Globalization.CultureInfo.InvariantCulture),
            });
        });

        app.MapGet("/resources/{account}/{kind?}", async (string account, string? kind, int? limit, int? offset, bool? count, HttpContext http, SecretsStore store, CancellationToken ct) =>
        {
            if (await Caller.FromRequestAsync(http.Request, store, ct) is not { } caller)
            {
                return ConjurErrors.Unauthorized();
            }
            var all = await store.VisibleResourcesAsync(caller.RoleId, account, kind, ct);
            if (count == true)
            {
                return Results.Json(new Dictionary<string, int> { ["count"] = all.Count });
            }
            return Results.Json(all.Skip(Math.Max(offset ?? 0, 0)).Take(limit is > 0 ? limit.Value : int.MaxValue));
        });
    }
}
