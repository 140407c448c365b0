using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.ControlPlane.Heartbeats;
using Conjur.EventSourced.ControlPlane.Messaging;
using Conjur.EventSourced.ControlPlane.Storage;
using Conjur.EventSourced.Hosting.Messaging;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Conjur.EventSourced.Bench;

/// <summary>
/// <c>bench ingest</c>: simulated agents publish heartbeats on the real RabbitMQ at a set rate for a set time;
/// the control plane's own heartbeat consumers and recorder (in this process, with its batch settings)
/// append them to a real Postgres. Prints appended events/s, projection lag p50/p99 (agent observation to
/// the inline status projection's commit), the ratio to a plain Marten batch append of the same number
/// of events in the same run, and the table sizes.
/// </summary>
public static class IngestBench
{
    /// <param name="warmUpSeconds">
    /// Before the measured window the rate ramps from a tenth of <paramref name="rate"/> to all of it, so the JIT
    /// tiers the ingest path up (a cold start at the full rate builds a backlog in its first seconds that the
    /// window would then measure; the per-5-s table shows it when <c>--warmup 0</c>).
    /// </param>
    public static async Task<int> RunAsync(int nodes, int rate, int seconds, int warmUpSeconds, int basePort, int writers, CancellationToken ct)
    {
        var warmUp = TimeSpan.FromSeconds(warmUpSeconds);
        var total = warmUp + TimeSpan.FromSeconds(seconds);
        await using var services = await BenchServices.StartAsync(basePort, rabbit: true, ct);
        var config = services.Config;

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddMarten(o =>
        {
            o.Connection(services.ConnectionString);
            ControlPlaneStore.Configure(o);
        }).ApplyAllDatabaseChangesOnStartup()
            // As the control plane runs: the async projections (node history, failover timeline) read every event too.
            .AddAsyncDaemon(JasperFx.Events.Daemon.DaemonMode.Solo);
        builder.Configuration[$"{IngestOptions.Section}:Writers"] = writers.ToString(CultureInfo.InvariantCulture);
        builder.Services.AddHeartbeats(builder.Configuration);
        builder.Services.AddSingleton<BusMetrics>();
        builder.Services.AddMassTransit(bus =>
        {
            bus.DisableUsageTelemetry();
            bus.SetEndpointNameFormatter(ControlPlaneBus.EndpointNames(config));
            bus.AddHeartbeatConsumers();
            bus.UsingRabbitMq((context, rabbit) =>
            {
                // As the control plane runs: its own user, and every report's sender checked against the node it names.
                rabbit.LogInAs(config, BrokerLogin.ForControlPlane(config));
                rabbit.CheckSenders(context);
                rabbit.ConfigureEndpoints(context);
            });
        });
        using var host = builder.Build();
        await host.StartAsync(ct);
        // The consumers' queues must be bound to the heartbeat exchange before the simulated agents publish to it.
        await host.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(60));

        var metrics = host.Services.GetRequiredService<IngestMetrics>();
        var lags = new ConcurrentQueue<(long At, double Lag)>();
        var clock = Stopwatch.StartNew();
        metrics.LagObserved += lag => lags.Enqueue((clock.ElapsedMilliseconds, lag));

        var agents = Enumerable.Range(1, nodes).Select(i => (Id: $"sim{i:000}", Instance: Guid.NewGuid())).ToArray();
        var sequences = new long[nodes];
        Console.WriteLine($"publishing from {nodes} simulated agents: {warmUp.TotalSeconds:0} s ramping up to {rate:N0} heartbeats/s, then {seconds} s at {rate:N0}/s (measured)...");

        // Ticks of 20 ms; each publishes its share.
        await using var simulated = await SimulatedAgents.ConnectAsync(config, ct);
        long published = 0;
        long? publishedInWarmUp = null;
        var publishClock = Stopwatch.StartNew();
        var next = 0;
        while (publishClock.Elapsed < total)
        {
            if (publishedInWarmUp is null && publishClock.Elapsed >= warmUp)
            {
                publishedInWarmUp = published;
            }
            var due = Due(publishClock.Elapsed.TotalSeconds, rate, warmUp.TotalSeconds);
            while (published < due && publishClock.Elapsed < total)
            {
                var a = next++ % nodes;
                var seq = ++sequences[a];
                await simulated.PublishAsync(new NodeHeartbeat
                {
                    ClusterId = config.ClusterId, NodeId = agents[a].Id, AgentInstance = agents[a].Instance, Sequence = seq,
                    // Every 60th heartbeat of a node is a state change (unhealthy), the next one turns it back.
                    Role = NodeRoles.Standby, Healthy = seq % 60 != 0, PostgresRunning = true,
                    Problem = seq % 60 != 0 ? null : "simulated", ObservedAt = DateTimeOffset.UtcNow,
                }, ct);
                published++;
            }
            await Task.Delay(20, ct);
        }
        var publishSeconds = publishClock.Elapsed.TotalSeconds;
        var publishedAtMs = clock.ElapsedMilliseconds;
        var steadySeconds = publishSeconds - warmUp.TotalSeconds;
        var publishedSteady = published - (publishedInWarmUp ?? 0);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"published {published:N0} in {publishSeconds:0.0} s ({publishedSteady / steadySeconds:N0}/s after the ramp); waiting for the backlog..."));

        // Until everything is appended, or nothing more has been for 5 s (a report left out as late is never appended).
        var drained = Stopwatch.StartNew();
        var (seen, still) = (lags.Count, Stopwatch.StartNew());
        while (lags.Count < published && drained.Elapsed < TimeSpan.FromSeconds(120) && still.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(200, ct);
            if (lags.Count != seen)
            {
                (seen, still) = (lags.Count, Stopwatch.StartNew());
            }
        }
        var all = lags.ToArray();
        var steady = all.Where(l => l.At >= warmUp.TotalMilliseconds && l.At <= publishedAtMs).ToArray();
        var window = (publishedAtMs - warmUp.TotalMilliseconds) / 1000d;
        var sorted = steady.Select(l => l.Lag).Order().ToList();
        var allSorted = all.Select(l => l.Lag).Order().ToList();
        var rateAppended = steady.Length / window;
        var backlogSeconds = Math.Max(0, (all.Length == 0 ? 0 : all.Max(l => l.At) - publishedAtMs) / 1000d);
        var drainedEvents = all.Count(l => l.At > publishedAtMs);
        var drainRate = backlogSeconds > 0.5 ? drainedEvents / backlogSeconds : double.NaN;

        await host.StopAsync(ct);

        // The recorder alone (no bus), the same way the consumers call it: tells the bus's share from the store's.
        var direct = await RecorderDirectAsync(host.Services, config.ClusterId, nodes, (int)Math.Min(published, 100_000), ct);
        var plain = await PlainAppendAsync(services, nodes, (int)Math.Min(published, 200_000), writers, ct);

        Console.WriteLine();
        Console.WriteLine("== ingest through RabbitMQ into Marten (control plane's consumers, recorder, inline status projection)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  target              {rate,10:N0} heartbeats/s from {nodes} agents, {writers} writers, batches of {NodeReportBatches.MessageLimit}/{NodeReportBatches.TimeLimit.TotalMilliseconds} ms, one at a time"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  published           {publishedSteady / steadySeconds,10:N0} heartbeats/s reached by the simulated agents after the ramp ({published:N0} in {publishSeconds:0.0} s in all)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  appended            {all.Length,10:N0} of {published:N0} published"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  sender check        {host.Services.GetRequiredService<BusMetrics>().RejectedTotal,10:N0} rejected (each heartbeat's user-id agent-simNNN against its node id, as the control plane checks)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  sustained           {rateAppended,10:N0} events/s appended (steady window: the {window:0.0} s after the {warmUp.TotalSeconds:0} s ramp)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  projection lag      p50 {Report.Percentile(sorted, 50) * 1000,7:0} ms   p99 {Report.Percentile(sorted, 99) * 1000,7:0} ms   max {(sorted.Count > 0 ? sorted[^1] * 1000 : double.NaN),7:0} ms (steady window)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  lag, whole run      p50 {Report.Percentile(allSorted, 50) * 1000,7:0} ms   p99 {Report.Percentile(allSorted, 99) * 1000,7:0} ms; backlog drained {backlogSeconds:0.0} s after publishing stopped"));
        Console.WriteLine(double.IsNaN(drainRate)
            ? string.Create(CultureInfo.InvariantCulture, $"  backlog drain rate           - (no backlog to drain: {drainedEvents:N0} events after publishing stopped)")
            : string.Create(CultureInfo.InvariantCulture, $"  backlog drain rate  {drainRate,10:N0} events/s (consumer capacity once publishing stopped, {drainedEvents:N0} events)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  recorder, no bus    {direct,10:N0} events/s (the consumers' recorder called directly with batches of {NodeReportBatches.MessageLimit}: classification, inline status projection)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  plain Marten append {plain,10:N0} events/s (same events, {writers} writers, batches of 1,000, no projection, no bus)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ratio               {rateAppended / plain,10:P0} of plain append"));
        Console.WriteLine("== by 5 s of the run (commit time): events appended per second, projection lag p50 / p99");
        foreach (var slice in all.GroupBy(l => l.At / 5000).OrderBy(g => g.Key))
        {
            var lagsOfSlice = slice.Select(l => l.Lag).Order().ToList();
            var end = Math.Min((slice.Key + 1) * 5000, all.Max(l => l.At) + 1);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {slice.Key * 5,4}-{end / 1000d,5:0.0} s {slice.Count() / ((end - (slice.Key * 5000)) / 1000d),10:N0}/s   p50 {Report.Percentile(lagsOfSlice, 50) * 1000,6:0} ms   p99 {Report.Percentile(lagsOfSlice, 99) * 1000,6:0} ms{(slice.Key * 5000 < warmUp.TotalMilliseconds ? "   (ramp)" : slice.Key * 5000 >= publishedAtMs ? "   (draining)" : "")}"));
        }
        Console.WriteLine("== table sizes");
        Report.Tables(await services.TableSizesAsync(ct));
        return 0;
    }

    /// <summary>Heartbeats due by <paramref name="t"/> seconds: the rate ramps linearly from a tenth to all of it over the warm-up, then holds.</summary>
    private static long Due(double t, int rate, double warmUp) => (long)(warmUp <= 0 || t >= warmUp
        ? rate * ((0.55 * warmUp) + (t - warmUp))
        : rate * ((0.1 * t) + (0.45 * t * t / warmUp)));

    /// <summary>Heartbeats of fresh simulated nodes handed to the recorder in batches, one batch at a time, as the consumer does.</summary>
    private static async Task<double> RecorderDirectAsync(IServiceProvider provider, string clusterId, int nodes, int count, CancellationToken ct)
    {
        var recorder = provider.GetRequiredService<NodeEventRecorder>();
        var agents = Enumerable.Range(1, nodes).Select(i => (Id: $"direct{i:000}", Instance: Guid.NewGuid())).ToArray();
        var sequences = new long[nodes];
        var done = 0;
        var clock = Stopwatch.StartNew();
        while (done < count)
        {
            var batch = new List<INodeEvent>(NodeReportBatches.MessageLimit);
            for (; batch.Count < NodeReportBatches.MessageLimit && done < count; done++)
            {
                var a = done % nodes;
                var seq = ++sequences[a];
                batch.Add(new HeartbeatRecorded(clusterId, agents[a].Id, agents[a].Instance, seq, NodeRoles.Standby,
                    seq % 60 != 0, true, false, seq % 60 != 0 ? null : "simulated", DateTimeOffset.UtcNow));
            }
            await recorder.RecordAsync(batch, ct);
        }
        return count / clock.Elapsed.TotalSeconds;
    }

    /// <summary>The same heartbeats appended straight to Marten: writers on disjoint streams, batches of 1,000, quick append.</summary>
    private static async Task<double> PlainAppendAsync(BenchServices services, int nodes, int count, int writers, CancellationToken ct)
    {
        using var store = services.PlainStore();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var perWriter = count / writers;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var instance = Guid.NewGuid();
            for (var done = 0; done < perWriter; done += 1000)
            {
                await using var session = store.LightweightSession();
                for (var i = done; i < Math.Min(perWriter, done + 1000); i++)
                {
                    var node = $"plain{w}-{i % Math.Max(1, nodes / writers)}";
                    session.Events.Append($"plain/node/{node}",
                        new HeartbeatSampled("plain", node, instance, i, NodeRoles.Standby, true, true, false, null, DateTimeOffset.UtcNow));
                }
                await session.SaveChangesAsync(ct);
            }
        }, ct)));
        return perWriter * writers / clock.Elapsed.TotalSeconds;
    }
}
