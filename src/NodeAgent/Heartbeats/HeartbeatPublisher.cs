using Conjur.EventSourced.NodeAgent.Telemetry;
using MassTransit;

namespace Conjur.EventSourced.NodeAgent.Heartbeats;

/// <summary>
/// Publishes queued heartbeats and lag reports to the bus, each with a bounded wait.
/// <para>
/// Not durable (RabbitMQ delivery mode 1): a report is a sample that the next cycle's report supersedes,
/// and the agent already drops the oldest while the broker is away (<see cref="HeartbeatQueue"/>). Held in
/// the broker's memory, in the control plane's durable queue, they still wait out a control-plane restart;
/// a broker crash loses the few queued at that moment, and the next report restates the node's state.
/// Skipping the broker's disk raised the control plane's drain rate 11-25 % in bench ingest (docs/event-store.md#ingest).
/// Every failover fact and command stays durable.
/// </para>
/// </summary>
public sealed class HeartbeatPublisher(HeartbeatQueue queue, IBus bus, AgentMetrics metrics, ILogger<HeartbeatPublisher> log) : BackgroundService
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(5);
    private static readonly IPipe<PublishContext> NotDurable = Pipe.Execute<PublishContext>(context => context.Durable = false);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var message in queue.Reader.ReadAllAsync(stoppingToken))
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            cts.CancelAfter(PublishTimeout);
            try
            {
                await bus.Publish(message, message.GetType(), NotDurable, cts.Token);
                metrics.Published(message.GetType().Name, ok: true);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                metrics.Published(message.GetType().Name, ok: false);
                log.LogWarning("could not publish {Type} within {Seconds} s: is RabbitMQ reachable?", message.GetType().Name, PublishTimeout.TotalSeconds);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                metrics.Published(message.GetType().Name, ok: false);
                log.LogWarning("could not publish {Type}: {Error}", message.GetType().Name, e.Message);
            }
        }
    }
}
