using System.Diagnostics;
using System.Globalization;
using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.ControlPlane.Failover.History;
using Conjur.EventSourced.ControlPlane.Heartbeats;
using Marten;

namespace Conjur.EventSourced.Bench;

/// <summary>
/// Writes synthetic agent reports the way the recorder stores them (one stream per node, reports that
/// change nothing marked raw), straight through Marten without projections, so a large store is quick to make.
/// Each simulated cycle of a node is a heartbeat and a lag report, <c>interval</c> apart on the agent's clock.
/// </summary>
public static class Seeder
{
    public const string Cluster = "bench";
    private const int Writers = 4;
    private const int Batch = 2000;

    /// <returns>Events written.</returns>
    public static async Task<long> SeedAsync(IDocumentStore plain, int nodes, long events, DateTimeOffset start, TimeSpan interval, CancellationToken ct)
    {
        var cycles = events / 2 / nodes;
        var clock = Stopwatch.StartNew();
        long written = 0;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var mine = Enumerable.Range(1, nodes).Where(n => n % Writers == w).Select(n => (Id: $"node{n:000}", Instance: Guid.NewGuid())).ToList();
            var session = plain.LightweightSession();
            var inBatch = 0;
            for (long cycle = 1; cycle <= cycles; cycle++)
            {
                var at = start + (interval * cycle);
                foreach (var (id, instance) in mine)
                {
                    var stateChange = cycle == 1 || cycle % 500 == 0 || cycle % 500 == 1;
                    var nodeKey = NodeStream.Key(Cluster, id);
                    var heartbeat = new HeartbeatRecorded(Cluster, id, instance, cycle, NodeRoles.Standby, cycle % 500 != 0, true, false, cycle % 500 != 0 ? null : "simulated", at);
                    var lag = new ReplicationLagRecorded(Cluster, id, instance, cycle, NodeRoles.Standby, 1, 1000 + cycle, 1000 + cycle, 0, 0.01, [], at);
                    session.Events.Append(nodeKey, stateChange ? heartbeat : heartbeat.AsSample(), cycle == 1 ? lag : lag.AsSample());
                    inBatch += 2;
                    if (inBatch >= Batch)
                    {
                        await session.SaveChangesAsync(ct);
                        await session.DisposeAsync();
                        session = plain.LightweightSession();
                        Interlocked.Add(ref written, inBatch);
                        inBatch = 0;
                    }
                }
            }
            await session.SaveChangesAsync(ct);
            await session.DisposeAsync();
            Interlocked.Add(ref written, inBatch);
        }, ct)));

        // A few switchovers, so the failover timeline has something to replay.
        await using (var session = plain.LightweightSession())
        {
            for (var i = 0; i < 50; i++)
            {
                var id = Guid.NewGuid();
                var at = start + TimeSpan.FromMinutes(i);
                session.Events.Append(FailoverStream.Key(Cluster, id),
                    new FailoverInitiated(id, "initiated", "node001", "switchover", at),
                    new PromotionRequested(id, "promoting", "node002", "promote", at.AddMilliseconds(200)),
                    new PromotionConfirmed(id, "promoting", "node002", "timeline 2", at.AddMilliseconds(700)),
                    new FailoverSucceeded(id, "completed", null, "done", at.AddMilliseconds(1200)));
                written += 4;
            }
            await session.SaveChangesAsync(ct);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seeded {written:N0} events ({nodes} nodes, {cycles:N0} cycles each) in {clock.Elapsed.TotalSeconds:0.0} s"));
        return written;
    }

    public static DocumentStore Plain(string connectionString) => DocumentStore.For(o =>
    {
        o.Connection(connectionString);
        o.AutoCreateSchemaObjects = JasperFx.AutoCreate.CreateOrUpdate;
        o.Events.StreamIdentity = JasperFx.Events.StreamIdentity.AsString;
        o.Events.AppendMode = JasperFx.Events.EventAppendMode.Quick;
        o.Events.AddEventTypes([
            typeof(HeartbeatRecorded), typeof(HeartbeatSampled), typeof(ReplicationLagRecorded), typeof(ReplicationLagSampled), typeof(FailoverInitiated), typeof(PromotionRequested),
            typeof(PromotionConfirmed), typeof(FailoverSucceeded),
        ]);
    });
}
