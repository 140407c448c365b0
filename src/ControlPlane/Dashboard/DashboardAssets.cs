using System.Collections.Frozen;

namespace Conjur.EventSourced.ControlPlane.Dashboard;

/// <summary>The page's files, embedded in the assembly (logical names <c>dashboard/&lt;file&gt;</c>): nothing to copy, nothing to build.</summary>
public static class DashboardAssets
{
    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary();

    /// <summary>
    /// The page holds a token in sessionStorage: it loads only its own scripts and styles, talks only to this control
    /// plane, and may not be framed by another site (clickjacking), which the headers say to the browser.
    /// </summary>
    public static IResult Serve(HttpContext http, string file)
    {
        var type = ContentTypes.GetValueOrDefault(Path.GetExtension(file));
        var stream = type is null ? null : typeof(DashboardAssets).Assembly.GetManifestResourceStream("dashboard/" + file);
        if (stream is null)
        {
            return Results.NotFound(new { error = $"no dashboard file '{file}'" });
        }
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        return Results.Stream(stream, type, enableRangeProcessing: false);
    }
}
