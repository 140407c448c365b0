namespace Conjur.EventSourced.ControlPlane.Access;

/// <summary>
/// A request to a route that changes the cluster passed the access check; recorded before the route runs, so a
/// request is in the store even if the route then fails. The route's own events (a failover's stream, a
/// re-enrolment's) name the same credential in <c>RequestedBy</c>.
/// </summary>
/// <param name="Credential">The credential's name in cluster.json (never its token).</param>
/// <param name="Path">Path and query string, as sent (at most 300 characters).</param>
/// <param name="Address">The client's address as the control plane saw it.</param>
public sealed record OperatorRequestAuthorized(string Credential, string Role, string Method, string Path, string? Address, DateTimeOffset At);
