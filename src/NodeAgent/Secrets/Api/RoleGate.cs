using Conjur.EventSourced.NodeAgent.Ha;
using Conjur.EventSourced.NodeAgent.Trust;

namespace Conjur.EventSourced.NodeAgent.Secrets.Api;

/// <summary>
/// Decides, before any secrets endpoint runs, whether this node serves the request: a node that is not
/// accepting requests (a standby, a fenced or stepping-down master, an unhealthy follower) answers 503;
/// a write reaching a follower is forwarded to the master through the load balancer; everything else
/// runs here (reads and authentication on followers and the master, writes on the master).
/// </summary>
public sealed class RoleGate(RequestDelegate next, ILogger<RoleGate> log)
{
    public static bool IsSecretsPath(PathString path) =>
        path.StartsWithSegments("/authn") || path.StartsWithSegments("/secrets") || path.StartsWithSegments("/whoami")
        || path.StartsWithSegments("/resources") || path.StartsWithSegments("/policies") || path.StartsWithSegments("/internal/accounts");

    /// <summary>Requests that change the policy database: they run on the master only.</summary>
    public static bool IsWrite(HttpRequest r) =>
        (r.Path.StartsWithSegments("/secrets") && HttpMethods.IsPost(r.Method) && r.Path.Value!.Count(c => c == '/') >= 4)
        || (r.Path.StartsWithSegments("/policies") && !HttpMethods.IsGet(r.Method))
        || (r.Path.StartsWithSegments("/internal/accounts") && HttpMethods.IsPost(r.Method));

    /// <summary>
    /// Whether this node answers secrets requests now. The master: while it may write (lease held,
    /// not fenced). A follower: while its replica runs, even cut from the master (reads then serve the
    /// last replicated state, as Conjur followers do, and authentication needs no write), so a master's
    /// death does not stop reads. A standby never.
    /// </summary>
    public static bool Serves(NodeSnapshot s, DateTimeOffset now) => s.Role switch
    {
        "follower" => s.Postgres.Running && s.IsMember && !s.Fenced,
        _ => s.AcceptingRequestsAt(now),
    };

    public async Task InvokeAsync(HttpContext http, NodeState state, WriteForwarder forwarder, IPeerAuthentication peers)
    {
        var s = state.Current;
        if (!Serves(s, DateTimeOffset.UtcNow))
        {
            await ConjurErrors.Unavailable(s.Role == "standby"
                ? "not accepting requests: this node is a standby"
                : $"not accepting requests: {s.Problem ?? "the leader lease was not renewed in time"}").ExecuteAsync(http);
            return;
        }
        try
        {
            if (IsWrite(http.Request) && s.Role != "master")
            {
                // A forwarded write (one a node vouches for) that lands on a non-master again, a load balancer mid-failover,
                // is refused, never bounced on. What a client claims in a header does not make a write "forwarded".
                if (s.Role == "follower" && peers.VouchedClient(http.Request) is null)
                {
                    await forwarder.ForwardAsync(http);
                    return;
                }
                await ConjurErrors.Unavailable($"not accepting requests: this node is a {s.Role} and takes no writes").ExecuteAsync(http);
                return;
            }
            await next(http);
        }
        catch (UnreadableBodyException e) when (!http.Response.HasStarted)
        {
            await ConjurErrors.Error(e.Status, "bad_request", e.Message).ExecuteAsync(http);
        }
        catch (Npgsql.NpgsqlException e) when (!http.Response.HasStarted)
        {
            // The local Postgres is away (restarting, being rebased): a client retries elsewhere or later.
            log.LogWarning("secrets API {Method} {Path}: database unavailable: {Error}", http.Request.Method, http.Request.Path, e.Message);
            await ConjurErrors.Unavailable("not accepting requests: the database is unavailable").ExecuteAsync(http);
        }
        catch (Exception e) when (e is not OperationCanceledException && !http.Response.HasStarted)
        {
            // Only the type and message: neither ever carries a request body (values are sent as parameters, which Npgsql does not log).
            log.LogError("secrets API {Method} {Path} failed: {Type}: {Error}", http.Request.Method, http.Request.Path, e.GetType().Name, e.Message);
            await ConjurErrors.Error(StatusCodes.Status500InternalServerError, "internal_error", "internal error: see the node agent's log").ExecuteAsync(http);
        }
    }
}
