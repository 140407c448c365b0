using Conjur.EventSourced.ControlPlane.Failover.Api;
using Conjur.EventSourced.ControlPlane.Failover.History;
using Conjur.EventSourced.ControlPlane.Failover.Repository;
using Conjur.EventSourced.ControlPlane.Failover.Timeline;
using JasperFx.Events.Projections;
using Marten;
using MassTransit;
using Conjur.EventSourced.ControlPlane.Access;

namespace Conjur.EventSourced.ControlPlane.Failover;

public static class Configuration
{
    public static IServiceCollection AddFailover(this IServiceCollection services, IConfiguration? configuration = null)
    {
        var options = services.AddOptions<FailoverOptions>();
        if (configuration is not null)
        {
            options.Bind(configuration.GetSection(FailoverOptions.Section));
        }
        services.AddSingleton<IClusterMembersReader, ProjectedClusterMembers>();
        services.AddSingleton<FailoverTimeoutScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<FailoverTimeoutScheduler>());
        services.AddHostedService<FailoverWarmup>();
        return services;
    }

    public static void AddFailoverSaga(this IBusRegistrationConfigurator bus) =>
        bus.AddSagaStateMachine<FailoverStateMachine, FailoverState, FailoverStateDefinition>().MartenRepository();

    public static void AddFailoverDocuments(this StoreOptions options)
    {
        options.AddSagaDocument<FailoverState>();
        options.Schema.For<FailoverState>().Index(s => s.ClusterId);
        // Registered up front so a stream can be read back before this process has appended anything of that type.
        options.Events.AddEventTypes([
            typeof(FailoverInitiated), typeof(StepDownRequested), typeof(StepDownConfirmed), typeof(PromotionRequested),
            typeof(CandidateReplaced), typeof(PromotionRefused), typeof(PromotionConfirmed), typeof(RebaseRequested),
            typeof(RebaseConfirmed), typeof(RebaseRefused), typeof(ReenrollRequested), typeof(ReenrollConfirmed),
            typeof(StepTimedOut), typeof(FailoverSucceeded), typeof(FailoverAborted),
        ]);
        options.Projections.Add<FailoverTimelineProjection>(ProjectionLifecycle.Async);
        options.Schema.For<FailoverTimeline>().Index(t => t.ClusterId);
    }

    public static IEndpointRouteBuilder MapFailovers(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/failovers", ListFailovers.HandleAsync).ForViewers();
        app.MapGet("/api/failovers/{id:guid}", GetFailover.HandleAsync).ForViewers();
        app.MapGet("/api/failovers/timeline", GetFailoverTimeline.ListAsync).ForViewers();
        app.MapGet("/api/failovers/{id:guid}/timeline", GetFailoverTimeline.OneAsync).ForViewers();
        app.MapPost("/api/switchover", RequestSwitchover.HandleAsync).ForOperators();
        app.MapPost("/api/promote", RequestForcedPromotion.HandleAsync).ForOperators();
        app.MapPost("/api/reenroll", RequestReenroll.HandleAsync).ForOperators();
        return app;
    }
}
