using Marten;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

public static class Configuration
{
    public static IServiceCollection AddHeartbeats(this IServiceCollection services, IConfiguration? configuration = null)
    {
        var options = services.AddOptions<IngestOptions>();
        if (configuration is not null)
        {
            options.Bind(configuration.GetSection(IngestOptions.Section));
        }
        services.AddSingleton<IngestMetrics>();
        services.AddSingleton(sp => new NodeEventRecorder(
            sp.GetRequiredService<IDocumentStore>(), sp.GetRequiredService<Hosting.Topology.ClusterConfig>(),
            sp.GetRequiredService<ILogger<NodeEventRecorder>>(), sp.GetRequiredService<IngestMetrics>(),
            sp.GetService<TimeProvider>(), sp.GetRequiredService<IOptions<IngestOptions>>().Value));
        services.AddSingleton<NodeReportBatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<NodeReportBatcher>());
        return services;
    }

    public static void AddHeartbeatConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<NodeHeartbeatConsumer, NodeHeartbeatConsumerDefinition>();
        bus.AddConsumer<ReplicationLagReportedConsumer, ReplicationLagReportedConsumerDefinition>();
    }

    /// <summary>Registered up front so a stream can be read back before this process has appended anything of that type.</summary>
    public static void AddHeartbeatEvents(this StoreOptions options) =>
        options.Events.AddEventTypes([typeof(HeartbeatRecorded), typeof(HeartbeatSampled), typeof(ReplicationLagRecorded), typeof(ReplicationLagSampled)]);
}
