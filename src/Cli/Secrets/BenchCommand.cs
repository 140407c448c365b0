using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Cli.Secrets;

/// <summary>
/// <c>cluster bench secrets</c>: secret fetches per second against a follower (directly) and against the
/// master (through the load balancer), with the concurrency used. Makes a throw-away account
/// (<c>bench-TIMESTAMP</c>) with one host allowed to fetch one variable, then runs N concurrent fetchers
/// for the given time on each target.
/// </summary>
public static class BenchCommand
{
    public sealed record Result(string Target, string Url, int Concurrency, double Seconds, long Ok, long Errors, double P50Ms, double P99Ms)
    {
        public double PerSecond => Ok / Seconds;
    }

    public static Command Create()
    {
        var concurrency = new Option<int>("--concurrency") { Description = "Concurrent fetchers per target", DefaultValueFactory = _ => 16 };
        var seconds = new Option<int>("--seconds") { Description = "Measured seconds per target", DefaultValueFactory = _ => 10 };
        var secrets = new Command("secrets", "Secret fetches per second against a follower and against the master (through the load balancer)") { concurrency, seconds };
        secrets.SetAction(async (parse, ct) => await Program.Guarded(async () =>
        {
            var config = ClusterConfig.Load(Path.Combine(Program.StateDir(parse), "cluster.json"));
            var results = await RunAsync(config, parse.GetValue(concurrency), TimeSpan.FromSeconds(parse.GetValue(seconds)), Console.WriteLine, ct);
            foreach (var r in results)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Target,-9} {r.Url,-24} concurrency {r.Concurrency,3}: {r.PerSecond,8:0} fetches/s  ({r.Ok} ok, {r.Errors} errors in {r.Seconds:0.0} s; p50 {r.P50Ms:0.0} ms, p99 {r.P99Ms:0.0} ms)"));
            }
            return results.All(r => r.Ok > 0 && r.Errors == 0) ? 0 : 1;
        }));
        return new Command("bench", "Benchmarks") { secrets };
    }

    public static async Task<IReadOnlyList<Result>> RunAsync(ClusterConfig config, int concurrency, TimeSpan duration, Action<string> progress, CancellationToken ct)
    {
        var account = "bench-" + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
        progress($"creating account {account} with host bench and variable bench/secret");
        var adminKey = await ConjurClient.CreateAccountAsync(config, account, ct);
        using var master = new ConjurClient(config, config.LoadBalancerUrl);
        var admin = await master.AuthenticateAsync(account, "admin", adminKey, ct);
        var created = await master.LoadPolicyAsync(admin, account, "root", """
            - !host bench
            - !variable bench/secret
            - !permit
              role: !host bench
              privileges: [read, execute]
              resource: !variable bench/secret
            """, ct);
        var hostKey = created[$"{account}:host:bench"];
        await master.SetSecretAsync(admin, account, "bench/secret", Encoding.UTF8.GetBytes(Guid.NewGuid().ToString("N")), ct);

        var results = new List<Result>();
        var follower = config.Nodes.FirstOrDefault(n => n.Role == NodeRole.Follower);
        if (follower is not null)
        {
            using var client = new ConjurClient(config, config.ApiUrl(follower));
            var token = await client.AuthenticateAsync(account, "host/bench", hostKey, ct);
            // The follower serves what its replica has: wait (bounded) until the value has arrived.
            var until = DateTime.UtcNow.AddSeconds(30);
            while ((await client.FetchAsync(token, account, "bench/secret", ct)).Status != 200)
            {
                if (DateTime.UtcNow > until)
                {
                    throw new SecretsApiException($"the follower {follower.Id} did not serve the new variable within 30 s");
                }
                await Task.Delay(200, ct);
            }
            progress($"measuring {follower.Id} (follower) for {duration.TotalSeconds:0} s with {concurrency} concurrent fetchers");
            results.Add(await MeasureAsync($"follower", client, token, account, concurrency, duration, ct));
        }
        var hostToken = await master.AuthenticateAsync(account, "host/bench", hostKey, ct);
        progress($"measuring the master through the load balancer for {duration.TotalSeconds:0} s with {concurrency} concurrent fetchers");
        results.Add(await MeasureAsync("master", master, hostToken, account, concurrency, duration, ct));
        return results;
    }

    private static async Task<Result> MeasureAsync(string target, ConjurClient client, string token, string account, int concurrency, TimeSpan duration, CancellationToken ct)
    {
        // A second of warm-up: connections opened, JIT done.
        await RunWorkersAsync(client, token, account, concurrency, TimeSpan.FromSeconds(1), ct);
        var clock = Stopwatch.StartNew();
        var (ok, errors, latencies) = await RunWorkersAsync(client, token, account, concurrency, duration, ct);
        var seconds = clock.Elapsed.TotalSeconds;
        latencies.Sort();
        double Pct(double p) => latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)(p * latencies.Count))];
        return new Result(target, client.BaseUrl, concurrency, seconds, ok, errors, Pct(0.50), Pct(0.99));
    }

    private static async Task<(long Ok, long Errors, List<double> Latencies)> RunWorkersAsync(ConjurClient client, string token, string account, int concurrency, TimeSpan duration, CancellationToken ct)
    {
        long ok = 0, errors = 0;
        var latencies = new List<double>();
        var end = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            var mine = new List<double>();
            long o = 0, e = 0;
            while (end.Elapsed < duration && !ct.IsCancellationRequested)
            {
                var t = Stopwatch.GetTimestamp();
                try
                {
                    var (status, _) = await client.FetchAsync(token, account, "bench/secret", ct);
                    if (status == 200) { o++; } else { e++; }
                }
                catch (HttpRequestException)
                {
                    e++;
                }
                mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
            lock (latencies)
            {
                latencies.AddRange(mine);
                ok += o;
                errors += e;
            }
        }, ct)).ToList();
        await Task.WhenAll(workers);
        return (ok, errors, latencies);
    }
}
