using Conjur.EventSourced.ControlPlane.Telemetry;

namespace Conjur.EventSourced.ControlPlane.Access;

/// <summary>
/// Runs after routing and before any route: the Host check, then the access decision for the route's kind
/// (<see cref="AccessDecision"/>), then, for a route that changes the cluster, the audit record. Refusals answer
/// the API's JSON error shape (<c>{"error": "..."}</c>) with 401 and <c>WWW-Authenticate: Bearer</c>, 403, 415 or 421.
/// </summary>
public sealed class ApiAccessMiddleware(RequestDelegate next, ApiGate gate, OperatorAudit audit, TimeProvider clock, ILogger<ApiAccessMiddleware> log)
{
    private const string Realm = "conjur-controlplane";
    private const string TokenFiles = "the tokens' files are 'operator.tokenFile' and 'operator.viewerTokenFile' in 'cluster status --json'";

    public async Task InvokeAsync(HttpContext http)
    {
        var kind = http.GetEndpoint()?.Metadata.GetMetadata<RouteAccess>()?.Kind;
        var route = kind ?? AccessDecision.Undeclared(http.Request.Method);
        var audited = kind == RouteKind.Mutate;

        var host = http.Request.Headers.Host.ToString();
        if (!gate.Hosts.Allows(host))
        {
            var shown = Clip(host, 100);
            ControlPlaneMetrics.ApiRefused("host-not-allowed", route);
            if (audited)
            {
                audit.Refused(Refusal(http, null, StatusCodes.Status421MisdirectedRequest, "host-not-allowed", shown));
            }
            await RefuseAsync(http, StatusCodes.Status421MisdirectedRequest,
                $"Host '{shown}' is not a name of this control plane ({string.Join(", ", gate.Hosts.Names)}); " +
                "if it is yours, add it to controlPlane.access.allowedHosts in cluster.json");
            return;
        }

        var (source, identity) = gate.Authenticate(http);
        var outcome = AccessDecision.Decide(route, source, identity?.Credential.Role, gate.OpenReads, ApiGate.IsJson(http.Request));
        if (outcome != AccessOutcome.Allowed)
        {
            ControlPlaneMetrics.ApiRefused(outcome.Code(), route);
            if (audited)
            {
                audit.Refused(Refusal(http, identity?.Name, outcome.Status(), outcome.Code(), null));
            }
            if (outcome.Status() == StatusCodes.Status401Unauthorized)
            {
                http.Response.Headers.WWWAuthenticate = outcome == AccessOutcome.WrongCredential
                    ? $"Bearer realm=\"{Realm}\", error=\"invalid_token\""
                    : $"Bearer realm=\"{Realm}\"";
            }
            else if (outcome == AccessOutcome.ViewerCannotMutate)
            {
                http.Response.Headers.WWWAuthenticate = $"Bearer realm=\"{Realm}\", error=\"insufficient_scope\"";
            }
            await RefuseAsync(http, outcome.Status(), Explain(outcome, route, identity, http.Request));
            return;
        }

        identity?.Attach(http);
        if (audited)
        {
            var who = OperatorIdentity.Require(http);
            try
            {
                await audit.RecordAuthorizedAsync(new OperatorRequestAuthorized(who.Name, who.Credential.RoleName, http.Request.Method,
                    PathOf(http.Request), who.Address, clock.GetUtcNow()), http.RequestAborted);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError("Refusing {Method} {Path} by {Credential}: it could not be recorded: {Error}", http.Request.Method, http.Request.Path, who.Name, e.Message);
                await RefuseAsync(http, StatusCodes.Status503ServiceUnavailable,
                    "the request could not be recorded in the event store, so it was not carried out; try again when the control plane's Postgres answers");
                return;
            }
        }
        await next(http);
    }

    private static string Explain(AccessOutcome outcome, RouteKind route, OperatorIdentity? identity, HttpRequest request) => outcome switch
    {
        AccessOutcome.NoCredential when route == RouteKind.Read =>
            $"this route needs a viewer or operator credential: send 'Authorization: Bearer <token>' ({TokenFiles})",
        AccessOutcome.NoCredential =>
            $"this route changes the cluster and needs the operator credential: send 'Authorization: Bearer <operator token>' ({TokenFiles})",
        AccessOutcome.WrongCredential => request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? "the bearer token matches no credential of this control plane (was it rotated? the CLI reads it from the state folder)"
            : "the Authorization header must be 'Bearer <token>'",
        AccessOutcome.CookieNotAccepted =>
            "a dashboard session cookie is accepted on read routes only: this route takes the credential from 'Authorization: Bearer <token>'",
        AccessOutcome.ViewerCannotMutate =>
            $"credential '{identity?.Name}' is a viewer: this route changes the cluster and needs an operator credential",
        AccessOutcome.NotJson =>
            $"a request that changes the cluster must send 'Content-Type: application/json' (got '{Clip(request.ContentType ?? "none", 80)}'): " +
            "form and plain-text posts are refused",
        _ => outcome.Code(),
    };

    private OperatorRequestRefused Refusal(HttpContext http, string? credential, int status, string reason, string? host) =>
        new(credential, Clip(http.Request.Method, 16), PathOf(http.Request), status, reason, host, http.Connection.RemoteIpAddress?.ToString(), clock.GetUtcNow());

    private static string PathOf(HttpRequest request) => Clip(request.Path.ToString() + request.QueryString.ToString(), 300);

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..max] + "...";

    private static Task RefuseAsync(HttpContext http, int status, string error)
    {
        http.Response.StatusCode = status;
        http.Response.Headers.CacheControl = "no-store";
        return http.Response.WriteAsJsonAsync(new { error });
    }
}
