using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.ControlPlane.Access;

/// <summary>
/// Who may call which route: a pure function of the route's kind, the credential the request carried
/// (where from, and the role it matched, null for none), the open-reads setting and whether the body is JSON.
/// <list type="bullet">
/// <item>A bearer token that matches nothing is refused on every route but the open ones, open reads or not:
/// a client with a stale token should hear so rather than read as anonymous.</item>
/// <item>A session cookie that matches nothing counts as no credential (it expired, or the control plane restarted).</item>
/// <item>Routes that change the cluster take the credential from the header only, so a cross-site form post,
/// which can carry the browser's cookie but never a header, cannot act; and they take JSON only.</item>
/// </list>
/// </summary>
public static class AccessDecision
{
    public static AccessOutcome Decide(RouteKind route, CredentialSource source, ApiRole? role, bool openReads, bool jsonBody)
    {
        if (route == RouteKind.Open)
        {
            return AccessOutcome.Allowed;
        }
        if (source == CredentialSource.Header && role is null)
        {
            return AccessOutcome.WrongCredential;
        }
        if (source == CredentialSource.Cookie && role is null)
        {
            source = CredentialSource.None;
        }
        return route switch
        {
            RouteKind.Read => source != CredentialSource.None || openReads ? AccessOutcome.Allowed : AccessOutcome.NoCredential,
            RouteKind.Mutate => source switch
            {
                CredentialSource.None => AccessOutcome.NoCredential,
                CredentialSource.Cookie => AccessOutcome.CookieNotAccepted,
                _ when role != ApiRole.Operator => AccessOutcome.ViewerCannotMutate,
                _ => jsonBody ? AccessOutcome.Allowed : AccessOutcome.NotJson,
            },
            RouteKind.Session => source switch
            {
                CredentialSource.None => AccessOutcome.NoCredential,
                CredentialSource.Cookie => AccessOutcome.CookieNotAccepted,
                _ => jsonBody ? AccessOutcome.Allowed : AccessOutcome.NotJson,
            },
            _ => AccessOutcome.NoCredential,
        };
    }

    /// <summary>A route that declares no kind (a 404, a 405 of a POST-only route): reads need a viewer, anything else the operator.</summary>
    public static RouteKind Undeclared(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) ? RouteKind.Read : RouteKind.Mutate;
}
