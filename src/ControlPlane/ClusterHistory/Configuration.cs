using Marten;
using MassTransit;

namespace Conjur.EventSourced.ControlPlane.ClusterHistory;

public static class Configuration
{
    public static IServiceCollection AddClusterHistory(this IServiceCollection services) =>
        services.AddSingleton<ClusterFactRecorder>();

    public static void AddClusterHistoryConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<FailoverBlockedConsumer>(Retry);
        bus.AddConsumer<LeaderLeaseLostConsumer>(Retry);
        bus.AddConsumer<MasterPromotedConsumer>(Retry);
        bus.AddConsumer<NodeReenrolledConsumer>(Retry);
    }

    public static void AddClusterHistoryEvents(this StoreOptions options) =>
        options.Events.AddEventTypes([
            typeof(FailoverBlockedRecorded), typeof(LeaderLeaseLossRecorded), typeof(MasterChanged),
            typeof(NodeReenrollRequested), typeof(NodeReenrollConfirmed),
        ]);

    // A collision with a second control plane's append, or Postgres restarting: retry rather than lose the fact.
    private static void Retry<T>(IRegistrationContext context, IConsumerConfigurator<T> consumer)
        where T : class =>
        consumer.UseMessageRetry(r => r.Intervals(20, 100, 500, 1000, 5000));
}
