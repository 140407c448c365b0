using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Topology;
using Marten;
using MassTransit;

namespace Conjur.EventSourced.ControlPlane.Failover;

/// <summary>
/// A failover is usually the first of its kind in the control plane's life, and the first time costs:
/// Marten generates the saga document's storage code, MassTransit declares the exchanges of each agent's
/// queue and of the integration events. Measured here, that added about a second to the first failover after a start. This
/// does both once at start-up, with a throwaway saga document inserted and deleted again.
/// </summary>
public sealed class FailoverWarmup(IDocumentStore store, IBus bus, ClusterConfig config, ILogger<FailoverWarmup> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var id = Guid.NewGuid();
            await using (var session = store.LightweightSession())
            {
                session.Insert(new FailoverState { CorrelationId = id, ClusterId = "warm-up", CurrentState = "Final" });
                await session.SaveChangesAsync(stoppingToken);
            }
            await using (var session = store.LightweightSession())
            {
                var doc = await session.LoadAsync<FailoverState>(id, stoppingToken);
                if (doc is not null)
                {
                    session.Delete(doc);
                    await session.SaveChangesAsync(stoppingToken);
                }
            }
            await bus.GetPublishSendEndpoint<Contracts.Failover.FailoverStarted>();
            await bus.GetPublishSendEndpoint<Contracts.Failover.FailoverCompleted>();
            await bus.GetPublishSendEndpoint<Contracts.Failover.FailoverFailed>();
            foreach (var node in config.Nodes)
            {
                await bus.GetSendEndpoint(AgentQueues.Address(config.ClusterId, node.Id));
            }
            log.LogInformation("failover path warmed up in {Ms} ms", clock.ElapsedMilliseconds);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            log.LogWarning("failover warm-up failed (the first failover will be slower): {Error}", e.Message);
        }
    }
}
