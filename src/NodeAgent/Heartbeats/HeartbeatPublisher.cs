using Conjur.EventSourced.NodeAgent.Telemetry;
using MassTransit;

namespace Conjur.EventSourced.NodeAgent.Heartbeats;

/// <summary>Publishes queued heartbeats and lag reports to the bus, each with a bounded wait.</summary>
public sealed class HeartbeatPublisher(HeartbeatQueue queue, IBus bus, AgentMetrics metrics, ILogger<HeartbeatPublisher> log) : BackgroundService
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var message in queue.Reader.ReadAllAsync(stoppingToken))
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            cts.CancelAfter(PublishTimeout);
            try
            {
                await bus.Publish(message, message.GetType(), cts.Token);
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
