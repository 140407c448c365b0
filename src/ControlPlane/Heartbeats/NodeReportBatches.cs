using MassTransit;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>
/// How node reports are batched. Every agent reports each second; one transaction per batch keeps
/// Postgres far from being the bottleneck. Concurrency 1 per consumer (the recorder's gate serialises
/// the two consumers). Prefetch must exceed the batch limit or batches never fill.
/// </summary>
public static class NodeReportBatches
{
    public const int MessageLimit = 500;
    public const int PrefetchCount = 2 * MessageLimit;
    public static readonly TimeSpan TimeLimit = TimeSpan.FromMilliseconds(50);

    public static void Configure<TConsumer>(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<TConsumer> consumer)
        where TConsumer : class
    {
        // A Postgres restart should delay reports, not dead-letter them.
        endpoint.UseMessageRetry(r => r.Intervals(200, 1000, 5000));
        consumer.Options<BatchOptions>(o => o
            .SetMessageLimit(MessageLimit)
            .SetTimeLimit(TimeLimit)
            .SetConcurrencyLimit(1));
    }
}
