using MassTransit;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>
/// How node reports are batched (<see cref="NodeReportBatcher"/>). Every agent reports each second; one
/// transaction per writer per batch keeps Postgres far from being the bottleneck. Batches of up to 1,000
/// or 50 ms after the first report, whichever comes first, so a quiet cluster's reports wait at most 50 ms
/// and a busy one's fill. One batch at a time: the recorder's writers already append in parallel, and two
/// batches in flight would reach a node's writer in either order, so the later-arriving older reports
/// would be left out as late. Each endpoint lets as many messages be in consume as it prefetches: the
/// batch being recorded and the next one filling, or batches never fill.
/// </summary>
public static class NodeReportBatches
{
    public const int MessageLimit = 1000;
    public const int PrefetchCount = MessageLimit * 2;
    public static readonly TimeSpan TimeLimit = TimeSpan.FromMilliseconds(50);

    public static void ConfigureEndpoint(IReceiveEndpointConfigurator endpoint)
    {
        endpoint.PrefetchCount = PrefetchCount;
        endpoint.ConcurrentMessageLimit = PrefetchCount;
        // A Postgres restart should delay reports, not dead-letter them. A retried report is harmless:
        // if it was already appended it is now "not newer" and left out.
        endpoint.UseMessageRetry(r => r.Intervals(200, 1000, 5000));
    }
}
