using Marten;
using MassTransit;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

public static class Configuration
{
    public static IServiceCollection AddHeartbeats(this IServiceCollection services) =>
        services.AddSingleton<NodeEventRecorder>();

    public static void AddHeartbeatConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<NodeHeartbeatConsumer, NodeHeartbeatConsumerDefinition>();
        bus.AddConsumer<ReplicationLagReportedConsumer, ReplicationLagReportedConsumerDefinition>();
    }

    /// <summary>Registered up front so a stream can be read back before this process has appended anything of that type.</summary>
    public static void AddHeartbeatEvents(this StoreOptions options) =>
        options.Events.AddEventTypes([typeof(HeartbeatRecorded), typeof(ReplicationLagRecorded)]);
}
