namespace Conjur.EventSourced.NodeAgent.Secrets.Limits;

/// <summary>
/// Whether an authentication attempt may go ahead; if not, which limit refused it (<see cref="LimitedBy"/>:
/// <c>login</c> or <c>client</c>), that limit, and when its window ends (whole seconds, for <c>Retry-After</c>).
/// </summary>
public sealed record ThrottleDecision(string? LimitedBy, int Limit, int RetryAfterSeconds)
{
    public static readonly ThrottleDecision Allowed = new(null, 0, 0);

    public bool IsAllowed => LimitedBy is null;
}
