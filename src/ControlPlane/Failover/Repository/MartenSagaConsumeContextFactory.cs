using Marten;
using MassTransit;
using MassTransit.Context;
using MassTransit.Saga;

namespace Conjur.EventSourced.ControlPlane.Failover.Repository;

/// <summary>The instance travels in MassTransit's default saga consume context; the session stays in the repository context.</summary>
public sealed class MartenSagaConsumeContextFactory<TSaga> : ISagaConsumeContextFactory<IDocumentSession, TSaga>
    where TSaga : class, IEventSourcedSaga
{
    public Task<SagaConsumeContext<TSaga, T>> CreateSagaConsumeContext<T>(IDocumentSession context, ConsumeContext<T> consumeContext,
        TSaga instance, SagaConsumeContextMode mode)
        where T : class =>
        Task.FromResult<SagaConsumeContext<TSaga, T>>(new DefaultSagaConsumeContext<TSaga, T>(consumeContext, instance));
}
