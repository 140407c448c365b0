using System.Diagnostics;
using System.Threading.Channels;
using Conjur.EventSourced.NodeAgent.Telemetry;
using MassTransit;

namespace Conjur.EventSourced.NodeAgent.Failover;

/// <summary>
/// Failover facts the agent publishes (lock acquired, blocked, leader lost, command answers). Unlike
/// heartbeats none may be dropped: each is retried until RabbitMQ takes it (bounded per message), in
/// order, from a queue the HA cycle never waits on.
/// </summary>
public sealed class FailoverEvents(IBus bus, ILogger<FailoverEvents> log) : BackgroundService
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(5);
    private readonly Channel<(object Message, ActivityContext? Parent)> _queue = Channel.CreateUnbounded<(object, ActivityContext?)>();

    /// <summary>
    /// Declares the exchanges of the failover messages before the first failover needs them: the first
    /// publish of a type otherwise pays for its topology (measured: tens to hundreds of milliseconds).
    /// </summary>
    private async Task WarmUpAsync(CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await bus.GetPublishSendEndpoint<Contracts.Failover.PromotionLockAcquired>();
            await bus.GetPublishSendEndpoint<Contracts.Failover.LeaderLeaseLost>();
            await bus.GetPublishSendEndpoint<Contracts.Failover.FailoverBlocked>();
            await bus.GetPublishSendEndpoint<Contracts.Failover.MasterPromoted>();
            await bus.GetPublishSendEndpoint<Contracts.Failover.StandbyRebased>();
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            log.LogWarning("could not prepare the failover exchanges yet: {Error}", e.Message);
        }
    }

    /// <summary>
    /// Queues the message with the caller's trace context: the publish happens on this service's own
    /// loop, where <see cref="Activity.Current"/> is empty, and the failover's trace must go on across the bus.
    /// </summary>
    public void Publish(object message)
    {
        _queue.Writer.TryWrite((message, Activity.Current?.Context));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await WarmUpAsync(stoppingToken);
        await foreach (var (message, parent) in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            using var span = parent is { } p
                ? AgentTracing.Source.StartActivity($"publish {message.GetType().Name}", ActivityKind.Internal, p)
                : null;
            var deadline = DateTimeOffset.UtcNow + GiveUpAfter;
            var attempt = 0;
            while (!stoppingToken.IsCancellationRequested)
            {
                attempt++;
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                cts.CancelAfter(TimeSpan.FromSeconds(5));
                try
                {
                    await bus.Publish(message, message.GetType(), cts.Token);
                    log.LogInformation("published {Type}", message.GetType().Name);
                    break;
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    if (DateTimeOffset.UtcNow > deadline)
                    {
                        log.LogError("gave up publishing {Type} after {Attempts} attempts: {Error}", message.GetType().Name, attempt, e.Message);
                        break;
                    }
                    log.LogWarning("publishing {Type} failed (attempt {Attempt}): {Error}", message.GetType().Name, attempt, e.Message);
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * attempt)), stoppingToken);
                }
            }
        }
    }
}
