using Marten;
using MassTransit;
using MassTransit.Context;
using MassTransit.Saga;

namespace Conjur.EventSourced.ControlPlane.Failover.Repository;

/// <summary>
/// One message's view of the saga store: one Marten session, so the load, the document write and the
/// stream append of a transition are one unit. Nothing is cached across messages: every message (and
/// every retry of one) starts from what is committed.
/// </summary>
public sealed class MartenSagaRepositoryContext<TSaga, TMessage> : ConsumeContextScope<TMessage>, SagaRepositoryContext<TSaga, TMessage>
    where TSaga : class, IEventSourcedSaga
    where TMessage : class
{
    private readonly IDocumentSession _session;
    private readonly ConsumeContext<TMessage> _consumeContext;
    private readonly ISagaConsumeContextFactory<IDocumentSession, TSaga> _factory;

    public MartenSagaRepositoryContext(IDocumentSession session, ConsumeContext<TMessage> consumeContext, ISagaConsumeContextFactory<IDocumentSession, TSaga> factory)
        : base(consumeContext)
    {
        _session = session;
        _consumeContext = consumeContext;
        _factory = factory;
    }

    public Task<SagaConsumeContext<TSaga, T>> CreateSagaConsumeContext<T>(ConsumeContext<T> consumeContext, TSaga instance, SagaConsumeContextMode mode)
        where T : class =>
        _factory.CreateSagaConsumeContext(_session, consumeContext, instance, mode);

    public Task<SagaConsumeContext<TSaga, TMessage>> Add(TSaga instance) =>
        _factory.CreateSagaConsumeContext(_session, _consumeContext, instance, SagaConsumeContextMode.Add);

    public async Task<SagaConsumeContext<TSaga, TMessage>> Insert(TSaga instance)
    {
        try
        {
            await SagaDocuments.InsertAsync(_session, instance, CancellationToken);
            return await _factory.CreateSagaConsumeContext(_session, _consumeContext, instance, SagaConsumeContextMode.Insert);
        }
        catch (JasperFx.DocumentAlreadyExistsException)
        {
            // MassTransit's contract for Insert: null means "exists already, load it instead".
            _session.Eject(instance);
            return null!;
        }
    }

    public async Task<SagaConsumeContext<TSaga, TMessage>> Load(Guid correlationId)
    {
        var instance = await _session.LoadAsync<TSaga>(correlationId, CancellationToken);
        return instance is null
            ? null!
            : await _factory.CreateSagaConsumeContext(_session, _consumeContext, instance, SagaConsumeContextMode.Load);
    }

    public Task Save(SagaConsumeContext<TSaga> context) => SagaDocuments.InsertAsync(_session, context.Saga, CancellationToken);

    public Task Update(SagaConsumeContext<TSaga> context) => SagaDocuments.UpdateAsync(_session, context.Saga, CancellationToken);

    public Task Delete(SagaConsumeContext<TSaga> context)
    {
        _session.Delete(context.Saga);
        return _session.SaveChangesAsync(CancellationToken);
    }

    public Task Discard(SagaConsumeContext<TSaga> context) => Task.CompletedTask;

    public Task Undo(SagaConsumeContext<TSaga> context)
    {
        _session.Eject(context.Saga);
        return Task.CompletedTask;
    }
}
