using Marten;
using MassTransit;
using MassTransit.Configuration;

namespace Conjur.EventSourced.ControlPlane.Failover.Repository;

public static class MartenSagaRepositoryRegistration
{
    /// <summary>Registers the Marten-backed repository for one saga type in place of MassTransit's default.</summary>
    public static ISagaRegistrationConfigurator<TSaga> MartenRepository<TSaga>(this ISagaRegistrationConfigurator<TSaga> configurator)
        where TSaga : class, IEventSourcedSaga
    {
        configurator.Repository(r => r.RegisterSagaRepository<TSaga, IDocumentSession, MartenSagaConsumeContextFactory<TSaga>, MartenSagaRepositoryContextFactory<TSaga>>());
        return configurator;
    }

    /// <summary>The document's identity is MassTransit's correlation id; its version is checked on every update.</summary>
    public static void AddSagaDocument<TSaga>(this StoreOptions options)
        where TSaga : class, IEventSourcedSaga =>
        options.Schema.For<TSaga>().Identity(s => s.CorrelationId).UseOptimisticConcurrency(true);
}
