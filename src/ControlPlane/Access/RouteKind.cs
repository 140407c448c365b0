namespace Conjur.EventSourced.ControlPlane.Access;

/// <summary>What a route of the control plane's API does, which decides the credential it needs.</summary>
public enum RouteKind
{
    /// <summary>No credential: the dashboard's static page and <c>/healthz</c> (probes).</summary>
    Open,

    /// <summary>A viewer's or an operator's credential, by header or dashboard session cookie (or none with open reads).</summary>
    Read,

    /// <summary>Changes the cluster: the operator's credential, from the Authorization header only, with a JSON body.</summary>
    Mutate,

    /// <summary><c>POST /api/session</c>: trades a bearer token (any role) for the dashboard's session cookie.</summary>
    Session,
}
