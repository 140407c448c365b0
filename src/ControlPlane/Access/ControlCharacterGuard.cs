namespace Conjur.EventSourced.ControlPlane.Access;

/// <summary>
/// No route of the API takes a control character in its path or its query (node ids, stream keys, event types,
/// times are plain text), and Postgres refuses a NUL in text with an error the route would answer as a 500.
/// So a request carrying one (decoded: <c>%00</c>, <c>%0a</c>) is refused with 400 before any route runs.
/// </summary>
public sealed class ControlCharacterGuard(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (Offending(http.Request.Path.Value, http.Request.Query.Select(q => (q.Key, q.Value.ToString()))) is { } where)
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            await http.Response.WriteAsJsonAsync(new { error = $"the request's {where} holds a control character; no route takes one" });
            return;
        }
        await next(http);
    }

    /// <summary>Where a control character is ("path", or the query parameter's name), or null when there is none.</summary>
    public static string? Offending(string? path, IEnumerable<(string Name, string Value)> query)
    {
        if (path is not null && path.Any(char.IsControl))
        {
            return "path";
        }
        foreach (var (name, value) in query)
        {
            if (name.Any(char.IsControl))
            {
                return "query";
            }
            if (value.Any(char.IsControl))
            {
                return $"query parameter '{name}'";
            }
        }
        return null;
    }
}
