using Conjur.EventSourced.ControlPlane.ClusterHistory;
using Conjur.EventSourced.ControlPlane.Failover;
using Conjur.EventSourced.ControlPlane.Heartbeats;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Topology;
using MassTransit;

namespace Conjur.EventSourced.ControlPlane.Messaging;

public static class ControlPlaneBus
{
    /// <summary>
    /// Queue names start with the cluster id: exchanges are named by message type and so are shared by
    /// every cluster on a broker, but each cluster's control plane gets its own queues (and drops other
    /// clusters' reports, see <see cref="NodeEventRecorder"/>).
    /// </summary>
    public static IEndpointNameFormatter EndpointNames(ClusterConfig config) =>
        new KebabCaseEndpointNameFormatter(config.ClusterId, includeNamespace: false);

    /// <summary>Consumers, the failover saga and endpoint naming, apart from the transport, so a test harness can reuse them.</summary>
    public static void AddControlPlaneConsumers(this IBusRegistrationConfigurator bus, ClusterConfig config)
    {
        bus.DisableUsageTelemetry();
        bus.SetEndpointNameFormatter(EndpointNames(config));
        bus.AddHeartbeatConsumers();
        bus.AddClusterHistoryConsumers();
        bus.AddFailoverSaga();
    }

    /// <summary>
    /// The bus as user <c>controlplane</c>: every message it sends carries that user-id, every node report it
    /// consumes must come from the named node's own agent (<see cref="SenderCheckFilter{T}"/>).
    /// </summary>
    public static IServiceCollection AddControlPlaneBus(this IServiceCollection services, ClusterConfig config) =>
        services.AddSingleton<BusMetrics>().AddMassTransit(bus =>
        {
            bus.AddControlPlaneConsumers(config);
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.LogInAs(config, BrokerLogin.ForControlPlane(config));
                rabbit.CheckSenders(context);
                rabbit.ConfigureEndpoints(context);
            });
        });
}
