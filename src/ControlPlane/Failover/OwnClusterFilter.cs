using System.Linq.Expressions;
using Conjur.EventSourced.Hosting.Topology;
using MassTransit;

namespace Conjur.EventSourced.ControlPlane.Failover;

/// <summary>
/// Exchanges are shared by every cluster on a broker, so the saga's queue also receives other clusters'
/// failover messages. Those must not start or move a saga here: they are acknowledged and dropped.
/// Every failover contract carries <c>ClusterId</c>; a message type without one passes.
/// </summary>
public sealed class OwnClusterFilter<T>(ClusterConfig config, ILogger<OwnClusterFilter<T>> logger) : IFilter<ConsumeContext<T>>
    where T : class
{
    private static readonly Func<T, string?>? ClusterIdOf = BuildAccessor();

    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        if (ClusterIdOf is not null && ClusterIdOf(context.Message) is { } cluster && cluster != config.ClusterId)
        {
            logger.LogDebug("Dropped {MessageType} of cluster {Other}", typeof(T).Name, cluster);
            // Marked consumed, or MassTransit would move it to the _skipped queue.
            await context.NotifyConsumed(context, TimeSpan.Zero, nameof(OwnClusterFilter<T>));
            return;
        }
        await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("own-cluster");

    private static Func<T, string?>? BuildAccessor()
    {
        var property = typeof(T).GetProperty("ClusterId");
        if (property?.PropertyType != typeof(string))
        {
            return null;
        }
        var message = Expression.Parameter(typeof(T));
        return Expression.Lambda<Func<T, string?>>(Expression.Property(message, property), message).Compile();
    }
}
