namespace Conjur.EventSourced.NodeAgent.Secrets.Limits;

/// <summary>
/// The rate limit on failed authentications, as pure functions of the counted windows and the clock (unit-tested).
/// A login, or a client address, that has failed its limit within a window is refused until the window ends, whatever
/// key it sends next: checking the key while limited would still tell a guesser when it is right. Successes are never
/// counted and never wait. Fixed windows from the first failure keep the state to one pair per login and address.
/// </summary>
public static class AuthnThrottle
{
    public static ThrottleDecision Decide(FailureWindow? login, FailureWindow? client, AuthnLimits limits, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var byLogin = Full(login, limits.FailuresPerLogin, limits, now);
        var byClient = Full(client, limits.FailuresPerClient, limits, now);
        if (byLogin is null && byClient is null)
        {
            return ThrottleDecision.Allowed;
        }
        // Both full: the one that ends later, so a client that waits Retry-After is not refused again at once.
        return byClient is null || (byLogin is not null && byLogin >= byClient)
            ? new ThrottleDecision("login", limits.FailuresPerLogin, byLogin!.Value)
            : new ThrottleDecision("client", limits.FailuresPerClient, byClient.Value);
    }

    /// <summary>The window after one more failure: counted in the current window, or the first of a new one.</summary>
    public static FailureWindow AfterFailure(FailureWindow? current, AuthnLimits limits, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return current is { } w && !Expired(w, limits, now) ? w with { Failures = w.Failures + 1 } : new FailureWindow(now, 1);
    }

    public static bool Expired(FailureWindow window, AuthnLimits limits, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return now >= window.Start + limits.Window;
    }

    /// <summary>Seconds until the window ends (at least 1) when it is full, else null.</summary>
    private static int? Full(FailureWindow? window, int limit, AuthnLimits limits, DateTimeOffset now)
    {
        if (window is not { } w || w.Failures < limit || Expired(w, limits, now))
        {
            return null;
        }
        return Math.Max(1, (int)Math.Ceiling((w.Start + limits.Window - now).TotalSeconds));
    }
}
