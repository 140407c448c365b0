using Conjur.EventSourced.ControlPlane.Access;

namespace Conjur.EventSourced.ControlPlane.Dashboard;

/// <summary>
/// <c>GET /api/stream</c>: server-sent events. On connect the whole current picture (one event per
/// section: <c>cluster</c>, <c>loadbalancer</c>, <c>failovers</c>, <c>events</c>), then each section
/// again when it changes; a comment line every <see cref="KeepAlive"/> so proxies keep the connection,
/// and <c>retry: 2000</c> so a browser reconnects two seconds after losing it.
/// </summary>
public static class DashboardStream
{
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    /// <remarks>
    /// The credential is checked at connect (the access middleware) and again at every write: a stream opened with a
    /// session cookie ends when the session does, and any stream ends when its credential is rotated. The browser's
    /// EventSource then reconnects and the page renews its session with the token it keeps.
    /// </remarks>
    public static async Task StreamAsync(HttpContext http, DashboardFeed feed, ApiGate gate, TimeProvider clock)
    {
        var ct = http.RequestAborted;
        var who = OperatorIdentity.Of(http);
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        var (id, reader) = feed.Subscribe();
        try
        {
            await http.Response.WriteAsync("retry: 2000\n\n", ct);
            await http.Response.Body.FlushAsync(ct);
            while (!ct.IsCancellationRequested && gate.StillValid(who, clock.GetUtcNow()))
            {
                var ready = reader.WaitToReadAsync(ct).AsTask();
                if (await Task.WhenAny(ready, Task.Delay(KeepAlive, ct)) != ready)
                {
                    await http.Response.WriteAsync($": keep-alive {DateTimeOffset.UtcNow:O}\n\n", ct);
                }
                else if (!await ready)
                {
                    break;
                }
                while (reader.TryRead(out var section))
                {
                    await http.Response.WriteAsync($"event: {section.Name}\ndata: {section.Json}\n\n", ct);
                }
                await http.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The browser went away: nothing to answer.
        }
        finally
        {
            feed.Unsubscribe(id);
        }
    }
}
