using System.Diagnostics;

namespace Conjur.EventSourced.Cli.ControlPlaneApi;

/// <summary>
/// Follows one failover saga (<c>GET /api/failovers/{id}</c>) and reports each new event and state as it
/// appears, until the saga completes or fails, or the bound runs out.
/// </summary>
public static class FailoverFollower
{
    /// <returns>The last state seen (null if the control plane never showed the failover).</returns>
    public static async Task<string?> FollowAsync(ControlPlaneClient client, Guid id, Action<string> print, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var printed = 0;
        string? state = null;
        while (clock.Elapsed < timeout)
        {
            if (await client.GetFailoverAsync(id, ct) is { } doc)
            {
                var events = FailoverDocument.Events(doc);
                for (; printed < events.Count; printed++)
                {
                    print($"  {FailoverDocument.Describe(events[printed])}");
                }
                var now = FailoverDocument.State(doc);
                if (now != state)
                {
                    state = now;
                    print($"  state: {state ?? "(none)"}  (+{clock.Elapsed.TotalSeconds:0.0} s)");
                }
                if (FailoverDocument.IsFinal(state))
                {
                    return state;
                }
            }
            await Task.Delay(250, ct);
        }
        return state;
    }
}
