namespace Conjur.EventSourced.ControlPlane.Access;

/// <summary>Who made the request, as the access check found it; set on the request for the route to read.</summary>
/// <param name="Address">The client's address as this process saw it (no proxy header is believed).</param>
/// <param name="Until">When a session-cookie identity ends; null for a bearer token.</param>
public sealed record OperatorIdentity(ApiCredential Credential, string? Address, CredentialSource Via, DateTimeOffset? Until)
{
    private static readonly object Key = new();

    public string Name => Credential.Name;

    public static OperatorIdentity? Of(HttpContext? http) => http?.Items.TryGetValue(Key, out var v) == true ? v as OperatorIdentity : null;

    public void Attach(HttpContext http) => http.Items[Key] = this;

    /// <summary>The identity of a request that reached a route changing the cluster: set by the access middleware, which always runs first.</summary>
    public static OperatorIdentity Require(HttpContext? http) =>
        Of(http) ?? throw new InvalidOperationException("no operator identity on this request: the API access middleware (UseApiAccess) must run before the operator routes");
}
