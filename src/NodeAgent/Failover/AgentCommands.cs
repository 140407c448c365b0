using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Topology;
using MassTransit;

namespace Conjur.EventSourced.NodeAgent.Failover;

/// <summary>Registration of the failover slice: the command queue, its consumers and the services they call.</summary>
public static class AgentCommands
{
    public static IServiceCollection AddFailover(this IServiceCollection services)
    {
        services.AddSingleton<PromotionLock>();
        services.AddSingleton<FailoverRace>();
        services.AddSingleton<Promotion>();
        services.AddSingleton<Rebase>();
        services.AddSingleton<StepDownHandler>();
        services.AddSingleton<Reenrollment>();
        services.AddSingleton<FailoverEvents>();
        services.AddHostedService(sp => sp.GetRequiredService<FailoverEvents>());
        services.AddHostedService<SelfPromotion>();
        return services;
    }

    public static void AddAgentConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<PromoteStandbyConsumer>();
        bus.AddConsumer<RebaseStandbyConsumer>();
        bus.AddConsumer<StepDownConsumer>();
        bus.AddConsumer<ReenrollNodeConsumer>();
    }

    /// <summary>
    /// The agent's own durable queue, declared by the launcher: a command sent while the agent is down waits
    /// for it. A failed command is answered, not retried blindly: the saga decides what happens next.
    /// </summary>
    public static void ConfigureAgentQueue(this IRabbitMqBusFactoryConfigurator rabbit, IBusRegistrationContext context, ClusterConfig config, NodeConfig node) =>
        rabbit.ReceiveEndpoint(AgentQueues.Name(config.ClusterId, node.Id), e =>
        {
            e.AsPreparedCommandQueue();
            e.ConcurrentMessageLimit = 2;
            e.PrefetchCount = 4;
            e.ConfigureConsumer<PromoteStandbyConsumer>(context);
            e.ConfigureConsumer<RebaseStandbyConsumer>(context);
            e.ConfigureConsumer<StepDownConsumer>(context);
            e.ConfigureConsumer<ReenrollNodeConsumer>(context);
        });
}
