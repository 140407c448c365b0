using System.Globalization;
using Conjur.EventSourced.ControlPlane.Heartbeats;
using Conjur.EventSourced.ControlPlane.Retention;
using Conjur.EventSourced.Hosting.Topology;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Conjur.EventSourced.Bench;

/// <summary>
/// <c>bench storage</c>: simulated agents' reports for a span of hours (synthetic timestamps, compressed by
/// reporting every <c>interval</c> seconds instead of every second), retention applied at the end of the
/// span, table sizes printed before and after, and the bound at the real 1 s rate computed from the
/// measured bytes per event.
/// </summary>
public static class StorageBench
{
    public static async Task<int> RunAsync(int nodes, int hours, int intervalSeconds, TimeSpan window, int basePort, CancellationToken ct)
    {
        await using var services = await BenchServices.StartAsync(basePort, rabbit: false, ct);
        var start = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-Math.Ceiling(hours / 24d) - 1), TimeSpan.Zero);
        var end = start.AddHours(hours);
        var events = 2L * nodes * (hours * 3600L / intervalSeconds);
        using (var plain = Seeder.Plain(services.ConnectionString))
        {
            await plain.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            await Seeder.SeedAsync(plain, nodes, events, start, TimeSpan.FromSeconds(intervalSeconds), ct);
        }
        // Retention goes by the store's timestamp; give each synthetic report its simulated time.
        await services.ExecuteAsync("update mt_events set timestamp = coalesce(data ->> 'ObservedAt', data ->> 'observedAt', data ->> 'At', data ->> 'at')::timestamptz", ct);
        await services.ExecuteAsync("vacuum full analyze", ct);
        var before = await services.TableSizesAsync(ct);
        Console.WriteLine($"== before retention: {hours} h of reports from {nodes} nodes, one heartbeat and one lag report every {intervalSeconds} s");
        Report.Tables(before);

        using var store = services.Store();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using var database = NpgsqlDataSource.Create(services.ConnectionString);
        var config = services.Config;
        using var recorder = new NodeEventRecorder(store, config, NullLogger<NodeEventRecorder>.Instance);
        var retention = new HeartbeatRetention(store, database, recorder, config,
            Options.Create(new RetentionOptions { HeartbeatWindow = window }), new FixedClock(end), NullLogger<HeartbeatRetention>.Instance);
        var outcome = await retention.ApplyAsync(ct);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"retention at {end:u} (window {window.TotalHours:0} h): compacted the raw reports of {outcome.NodesCompacted} nodes, removed {outcome.EventsRemoved:N0} raw events"));

        await services.ExecuteAsync("vacuum analyze", ct);
        Console.WriteLine("== after retention and a plain VACUUM (what autovacuum leaves: the space is reused, the files do not shrink)");
        Report.Tables(await services.TableSizesAsync(ct));
        await services.ExecuteAsync("vacuum full analyze", ct);
        var after = await services.TableSizesAsync(ct);
        Console.WriteLine("== after VACUUM FULL (the live data)");
        Report.Tables(after);

        var eventsTable = before.First(t => t.Table == "mt_events");
        var bytesPerEvent = (double)eventsTable.Bytes / Math.Max(1, eventsTable.Rows);
        var perNodeDay = bytesPerEvent * 2 * 86_400;
        var days = window.TotalDays + (1 / 144d); // the window plus one retention interval (10 min)
        Console.WriteLine("== bound at the real rate (one heartbeat and one lag report per node per second)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  bytes per stored report (mt_events, with indexes): {bytesPerEvent:0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  per node per day of raw reports: {perNodeDay / 1024 / 1024:0.0} MB"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  bound for {nodes} nodes: the window plus one retention interval of raw reports = {days * perNodeDay * nodes / 1024 / 1024 / 1024:0.00} GB, plus state changes (kept forever, a few per node per day)"));
        return 0;
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
