using MassTransit;

namespace Conjur.EventSourced.ControlPlane.Failover;

/// <summary>
/// The saga endpoint's pipe, outermost first: drop other clusters' messages; retry (a concurrency
/// conflict means another consumer, here or in a second control plane, committed a transition of the
/// same saga first: the retry reloads it and decides again); in-memory outbox (commands and events of a
/// transition leave only once it is committed, and a retried attempt's are discarded).
/// </summary>
public sealed class FailoverStateDefinition : SagaDefinition<FailoverState>
{
    /// <summary>Messages of one saga may run at once (several replicas answer together): conflicts are retried, not prevented.</summary>
    public FailoverStateDefinition() => ConcurrentMessageLimit = 8;

    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpointConfigurator, ISagaConfigurator<FailoverState> sagaConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.UseConsumeFilter(typeof(OwnClusterFilter<>), context);
        // Short first intervals: a conflict clears as soon as the other transaction commits. Long last
        // ones ride out a Postgres restart rather than dead-lettering a failover step.
        endpointConfigurator.UseMessageRetry(r => r.Intervals(10, 25, 50, 100, 200, 400, 800, 1600, 3200, 5000, 10000));
        endpointConfigurator.UseInMemoryOutbox(context);
    }
}
