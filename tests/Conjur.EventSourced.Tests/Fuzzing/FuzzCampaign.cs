using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Conjur.EventSourced.Tests.Fuzzing;

/// <summary>What a run found: answers by route kind and outcome, and every request that broke a rule.</summary>
public sealed class FuzzReport
{
    public ConcurrentDictionary<(string Kind, string Outcome), int> Counts { get; } = new();

    public ConcurrentQueue<string> Failures { get; } = new();

    public TimeSpan Took { get; set; }

    public TimeSpan Slowest { get; set; }

    public int Total => Counts.Values.Sum();

    public int RequestsOf(string kind) => Counts.Where(c => c.Key.Kind == kind).Sum(c => c.Value);

    /// <summary>Counts by status code over the whole run, then per route kind.</summary>
    public string Table()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{Total} requests in {Took.TotalSeconds:0.0} s, slowest answer {Slowest.TotalMilliseconds:0} ms\n");
        sb.Append("by outcome: ").AppendJoin(", ", Counts.GroupBy(c => c.Key.Outcome).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key}: {g.Sum(c => c.Value)}")).Append('\n');
        foreach (var kind in Counts.GroupBy(c => c.Key.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            sb.Append(CultureInfo.InvariantCulture, $"  {kind.Key} ({kind.Sum(c => c.Value)}): ")
                .AppendJoin(", ", kind.OrderBy(c => c.Key.Outcome, StringComparer.Ordinal).Select(c => $"{c.Key.Outcome}: {c.Value}")).Append('\n');
        }
        return sb.ToString();
    }
}

/// <summary>
/// Sends <c>perKind</c> requests of every route kind, <c>concurrency</c> at a time, each with its own seed, and checks
/// every answer: no 5xx but a 503 where a route may be unavailable, no hang (an answer within the timeout), a connection
/// closed without an answer only when the request's framing was broken, and no forbidden value anywhere in the answer.
/// </summary>
public static class FuzzCampaign
{
    public static async Task<FuzzReport> RunAsync(IReadOnlyList<(FuzzRoute Route, IReadOnlyList<int> Ports)> routes, FuzzTargets targets,
        int perKind, int concurrency, IReadOnlyList<string> forbidden, TimeSpan timeout, int seed)
    {
        var report = new FuzzReport();
        var clock = Stopwatch.StartNew();
        var slowest = 0L;
        // Interleave route kinds so that every kind meets every other under load, not one after the other.
        var work = Enumerable.Range(0, perKind).SelectMany(i => routes.Select((r, k) => (r.Route, Port: r.Ports[i % r.Ports.Count], Seed: seed + (i * 1_000) + k)));
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (item, _) =>
        {
            var request = FuzzRequest.Make(item.Route, targets, item.Port, item.Seed);
            var outcome = await RawHttp.SendAsync(request.Port, request.Bytes, request.ShutDownEarly, timeout, targets.CaFile);
            report.Counts.AddOrUpdate((item.Route.Kind, outcome.Kind), 1, (_, n) => n + 1);
            InterlockedMax(ref slowest, outcome.Took.Ticks);
            if (Problem(request, outcome, forbidden) is { } problem && report.Failures.Count < 200)
            {
                report.Failures.Enqueue($"{item.Route.Kind}: {problem}\n    request {request.Quote()}\n    answer {Snippet(outcome)}");
            }
        });
        report.Took = clock.Elapsed;
        report.Slowest = TimeSpan.FromTicks(slowest);
        return report;
    }

    private static string? Problem(FuzzRequest request, RawOutcome outcome, IReadOnlyList<string> forbidden)
    {
        if (outcome.TimedOut)
        {
            return $"no answer within {outcome.Took.TotalSeconds:0} s";
        }
        if (outcome.Status is null && !request.MayClose)
        {
            return "the connection closed without an answer";
        }
        if (outcome.Status is >= 500 and not 503 || (outcome.Status == 503 && !request.Route.MayBeUnavailable))
        {
            return $"answered {outcome.Status}";
        }
        var text = outcome.Headers + "\n" + Encoding.UTF8.GetString(outcome.Body) + "\n" + Encoding.Latin1.GetString(outcome.Body);
        foreach (var value in forbidden)
        {
            if (text.Contains(value, StringComparison.Ordinal))
            {
                return $"the answer holds a secret value (one of {forbidden.Count} forbidden, starting '{value[..4]}')";
            }
        }
        return null;
    }

    private static string Snippet(RawOutcome outcome)
    {
        var text = outcome.Headers.Split("\r\n")[0] + " " + Encoding.UTF8.GetString(outcome.Body, 0, Math.Min(outcome.Body.Length, 300));
        return $"{outcome.Kind} after {outcome.Took.TotalMilliseconds:0} ms: {text.ReplaceLineEndings(" ")}";
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while ((current = Interlocked.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
