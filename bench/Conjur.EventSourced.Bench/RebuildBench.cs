using System.Globalization;
using Conjur.EventSourced.ControlPlane.Projections;

namespace Conjur.EventSourced.Bench;

/// <summary><c>bench rebuild</c>: seeds N events (default 1,000,000) and rebuilds every projection from them, timed.</summary>
public static class RebuildBench
{
    public static async Task<int> RunAsync(long events, int nodes, int basePort, CancellationToken ct)
    {
        await using var services = await BenchServices.StartAsync(basePort, rabbit: false, ct);
        using (var plain = Seeder.Plain(services.ConnectionString))
        {
            await plain.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            await Seeder.SeedAsync(plain, nodes, events, DateTimeOffset.UtcNow.AddDays(-1), TimeSpan.FromSeconds(1), ct);
        }
        using var store = services.Store();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var stats = await store.Advanced.FetchEventStoreStatistics(token: ct);
        Console.WriteLine($"rebuilding every projection from {stats.EventCount:N0} events...");
        using var daemon = await store.BuildProjectionDaemonAsync();
        var report = await ProjectionRebuild.RunAsync(daemon, null, stats.EventCount, ct);
        Console.WriteLine();
        Console.WriteLine("== rebuild");
        foreach (var p in report.Projections)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {p.Name,-18} {p.Lifecycle,-7} {p.Seconds,8:0.0} s  ({report.Events / p.Seconds,9:N0} events/s)"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  all                         {report.TotalSeconds,8:0.0} s for {report.Events:N0} events"));
        Console.WriteLine("== table sizes");
        Report.Tables(await services.TableSizesAsync(ct));
        return 0;
    }
}
