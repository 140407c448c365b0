using Conjur.EventSourced.Hosting.Topology;
using Marten;

namespace Conjur.EventSourced.ControlPlane.Replay;

/// <summary>
/// <c>GET /api/events?stream=&amp;type=&amp;from=&amp;to=&amp;limit=&amp;after=</c>: the event store for audit, oldest
/// first, paged by sequence. <c>stream</c> is a stream key, or a prefix ending in <c>*</c> (every node:
/// <c>local/node/*</c>); <c>type</c> one or more event type
/// names, comma-separated (<c>master_changed,failover_blocked_recorded</c>); <c>from</c>/<c>to</c> bound
/// the store's timestamp (ISO 8601 with a zone, <c>to</c> exclusive); <c>after</c> is the previous page's
/// <c>next</c>. Only this cluster's streams are visible.
/// <para>
/// Quick append assigns sequences when a transaction inserts, not when it commits, so the very tail of
/// the log (transactions in flight, well under a second) may still fill in below a cursor; an audit that
/// must be complete pages with <c>to</c> a few seconds in the past.
/// </para>
/// </summary>
public static partial class GetEvents
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static async Task<IResult> HandleAsync(string? stream, string? type, string? from, string? to, int? limit, long? after,
        ClusterConfig config, IQuerySession session, CancellationToken ct)
    {
        if (!QueryTime.TryParse(from, out var since, out var error) || !QueryTime.TryParse(to, out var until, out error))
        {
            return Results.BadRequest(new { error });
        }
        if (limit is < 1 or > MaxLimit)
        {
            return Results.BadRequest(new { error = $"limit must be between 1 and {MaxLimit}" });
        }
        if (after is < 0)
        {
            return Results.BadRequest(new { error = "after must be a sequence number from a previous page's 'next'" });
        }
        if (Problem(stream, type) is { } problem)
        {
            return Results.BadRequest(new { error = problem });
        }
        var own = config.ClusterId + "/";
        var take = limit ?? DefaultLimit;
        var query = session.Events.QueryAllRawEvents().Where(e => e.StreamKey!.StartsWith(own));
        if (!string.IsNullOrWhiteSpace(stream))
        {
            if (!stream.StartsWith(own, StringComparison.Ordinal))
            {
                return Results.BadRequest(new { error = $"stream keys of cluster '{config.ClusterId}' start with '{own}' (e.g. {own}cluster, {own}node/node1, {own}node/*)" });
            }
            query = stream.EndsWith('*')
                ? query.Where(e => e.StreamKey!.StartsWith(stream.TrimEnd('*')))
                : query.Where(e => e.StreamKey == stream);
        }
        if (!string.IsNullOrWhiteSpace(type))
        {
            var types = type.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            query = query.Where(e => types.Contains(e.EventTypeName));
        }
        if (since is { } s)
        {
            query = query.Where(e => e.Timestamp >= s);
        }
        if (until is { } u)
        {
            query = query.Where(e => e.Timestamp < u);
        }
        if (after is { } a)
        {
            query = query.Where(e => e.Sequence > a);
        }
        var page = await query.OrderBy(e => e.Sequence).Take(take + 1).ToListAsync(ct);
        var events = page.Take(take)
            .Select(e => new StoredEventView(e.Sequence, e.StreamKey!, e.Version, e.EventTypeName, e.Timestamp, e.Data))
            .ToList();
        return Results.Ok(new EventPage(events, page.Count > take ? events[^1].Sequence : null));
    }

    /// <summary>
    /// A stream key has a bound, and a type is a snake_case event type name (control characters never reach here:
    /// <see cref="Access.ControlCharacterGuard"/> refuses them for every route).
    /// </summary>
    private static string? Problem(string? stream, string? type)
    {
        if (stream is { Length: > MaxStreamKeyLength })
        {
            return $"stream must be a stream key of at most {MaxStreamKeyLength} characters";
        }
        if (type is not null && type.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(t => !TypeName().IsMatch(t)) is { } bad)
        {
            return $"type names are snake_case event type names such as master_changed; '{(bad.Length > 40 ? bad[..40] : bad)}' is not one";
        }
        return null;
    }

    private const int MaxStreamKeyLength = 300;

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z][a-z0-9_]{0,99}$")]
    private static partial System.Text.RegularExpressions.Regex TypeName();
}
