using System.CommandLine;
using Conjur.EventSourced.Cli.ControlPlaneApi;

namespace Conjur.EventSourced.Cli.Failovers;

/// <summary>What the commands that start a failover saga share: the bound of following it, and how its end maps to an exit code.</summary>
internal static class FailoverOptions
{
    public static Option<double> Timeout() => new("--timeout") { Description = "How long to follow the failover, seconds", DefaultValueFactory = _ => 120 };

    /// <returns>0 when the saga completed, 1 when it failed or did not finish in time.</returns>
    public static async Task<int> FollowAsync(ControlPlaneClient client, Guid id, double seconds, CancellationToken ct)
    {
        var bound = TimeSpan.FromSeconds(double.IsFinite(seconds) && seconds > 0 ? Math.Min(seconds, 3600) : 120);
        var state = await FailoverFollower.FollowAsync(client, id, Console.WriteLine, bound, ct);
        if (FailoverDocument.IsCompleted(state))
        {
            Console.WriteLine($"failover {id} completed");
            return 0;
        }
        await Console.Error.WriteLineAsync(FailoverDocument.IsFailed(state)
            ? $"cluster: failover {id} failed (see its events above, or GET {client.BaseUrl}/api/failovers/{id})"
            : $"cluster: failover {id} did not finish within {bound.TotalSeconds:0} s (state: {state ?? "not seen by the control plane"}); it may still be running: './cluster failovers'");
        return 1;
    }
}
