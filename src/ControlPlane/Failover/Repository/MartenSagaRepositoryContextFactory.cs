using Marten;
using MassTransit;
using MassTransit.Saga;

namespace Conjur.EventSourced.ControlPlane.Failover.Repository;

/// <summary>
/// Plugs Marten into MassTransit 8's saga pipeline: a lightweight session per message (no identity
/// map to go stale), documents with optimistic concurrency (see <see cref="SagaDocuments"/>).
/// </summary>
public sealed class MartenSagaRepositoryContextFactory<TSaga>(IDocumentStore store, ISagaConsumeContextFactory<IDocumentSession, TSaga> factory)
    : ISagaRepositoryContextFactory<TSaga>
    where TSaga : class, IEventSourcedSaga
{
    public async Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<TSaga, T>> next)
        where T : class
    {
        await using var session = store.LightweightSession();
        await next.Send(new MartenSagaRepositoryContext<TSaga, T>(session, context, factory));
    }

    public async Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<TSaga> query, IPipe<SagaRepositoryQueryContext<TSaga, T>> next)
        where T : class
    {
        await using var session = store.LightweightSession();
        var repositoryContext = new MartenSagaRepositoryContext<TSaga, T>(session, context, factory);
        var instances = await session.Query<TSaga>().Where(query.FilterExpression).ToListAsync(context.CancellationToken);
        await next.Send(new LoadedSagaRepositoryQueryContext<TSaga, T>(repositoryContext, [.. instances]));
    }

    public void Probe(ProbeContext context) => context.Add("persistence", "marten");
}
