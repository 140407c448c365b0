namespace Conjur.EventSourced.ControlPlane.Access;

/// <summary>
/// A request to a route that changes the cluster was refused before the route ran. Written in the background in
/// batches (an unauthenticated client must not cost a synchronous write per request); when a flood outruns the
/// writer, the refusals it could not keep are counted in the next one's <see cref="Unrecorded"/>.
/// </summary>
/// <param name="Credential">The credential's name when one matched (a viewer's, a session's); null for none or a wrong token.</param>
/// <param name="Status">The answer: 401, 403, 415 or 421.</param>
/// <param name="Reason">no-credential, wrong-credential, cookie-not-accepted, viewer-cannot-mutate, not-json or host-not-allowed.</param>
/// <param name="Host">The Host header of a host-not-allowed refusal (at most 100 characters).</param>
/// <param name="Unrecorded">Refusals dropped since the previous record because the writer's queue was full.</param>
public sealed record OperatorRequestRefused(string? Credential, string Method, string Path, int Status, string Reason, string? Host,
    string? Address, DateTimeOffset At, long Unrecorded = 0);
