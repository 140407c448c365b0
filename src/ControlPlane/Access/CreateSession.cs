namespace Conjur.EventSourced.ControlPlane.Access;

/// <summary>
/// <c>POST /api/session</c> with <c>Authorization: Bearer &lt;token&gt;</c> and a JSON body (<c>{}</c>): sets the dashboard's
/// session cookie, for its EventSource, which cannot send headers. The cookie is HttpOnly (no script reads it),
/// SameSite=Strict (no other site's page sends it), Path=/api and short-lived; read routes accept it, routes that
/// change the cluster never do.
/// </summary>
public static class CreateSession
{
    public static IResult Handle(HttpContext http, DashboardSessions sessions)
    {
        var who = OperatorIdentity.Require(http);
        var (id, expires) = sessions.Open(who.Credential);
        http.Response.Cookies.Append(DashboardSessions.CookieName, id, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Path = "/api",
            MaxAge = sessions.Lifetime,
            Secure = http.Request.IsHttps,
            IsEssential = true,
        });
        http.Response.Headers.CacheControl = "no-store";
        return Results.Ok(new { credential = who.Name, role = who.Credential.RoleName, expiresAt = expires });
    }
}
