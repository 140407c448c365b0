using MassTransit;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>
/// How node reports are batched. Every agent reports each second; one transaction per partition per
/// batch keeps Postgres far from being the bottleneck. Batches of up to 1,000 or 50 ms, whichever comes
/// first, so a quiet cluster's reports wait at most 50 ms and a busy one's fill. Up to 3 batches at once
/// per consumer (the recorder's partitions keep them off each other's streams); prefetch covers them all,
/// or batches never fill.
/// </summary>
public static class NodeReportBatches
{
    public const int MessageLimit = 1000;
    public const int ConcurrencyLimit = 3;
    public const int PrefetchCount = MessageLimit * (ConcurrencyLimit + 1);
    public static readonly TimeSpan TimeLimit = TimeSpan.FromMilliseconds(50);

    public static void Configure<TConsumer>(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<TConsumer> consumer)
        where TConsumer : class
    {
        // A Postgres restart should delay reports, not dead-letter them. A retried batch is harmless:
        // what was already appended is now "not newer" and left out.
        endpoint.UseMessageRetry(r => r.Intervals(200, 1000, 5000));
        consumer.Options<BatchOptions>(o => o
            .SetMessageLimit(MessageLimit)
            .SetTimeLimit(TimeLimit)
            .SetConcurrencyLimit(ConcurrencyLimit));
    }
}
