using Marten;

namespace Conjur.EventSourced.ControlPlane.Failover.Repository;

/// <summary>
/// The writes of <see cref="MartenSagaRepositoryContext{TSaga,TMessage}"/>, apart so a test can race two
/// writers through exactly the code the bus uses.
/// </summary>
public static class SagaDocuments
{
    /// <summary>
    /// A new instance: <c>Insert</c>, not <c>Store</c>, so two processes starting the same saga at once
    /// cannot both succeed (the loser gets <see cref="JasperFx.DocumentAlreadyExistsException"/>, is retried
    /// and then finds the winner's instance).
    /// </summary>
    public static Task InsertAsync<TSaga>(IDocumentSession session, TSaga saga, CancellationToken ct)
        where TSaga : class, IEventSourcedSaga
    {
        session.Insert(saga);
        AppendRecorded(session, saga);
        return session.SaveChangesAsync(ct);
    }

    /// <summary>
    /// An existing instance: Marten compares the version the instance was loaded with to the stored one
    /// and throws <see cref="JasperFx.ConcurrencyException"/> when another writer committed in between.
    /// The whole transaction (document and stream events) is then rolled back.
    /// </summary>
    public static Task UpdateAsync<TSaga>(IDocumentSession session, TSaga saga, CancellationToken ct)
        where TSaga : class, IEventSourcedSaga
    {
        session.Update(saga);
        AppendRecorded(session, saga);
        return session.SaveChangesAsync(ct);
    }

    private static void AppendRecorded<TSaga>(IDocumentSession session, TSaga saga)
        where TSaga : class, IEventSourcedSaga
    {
        var recorded = saga.TakeUnrecorded();
        if (recorded.Count > 0)
        {
            session.Events.Append(saga.StreamKey(), recorded);
        }
    }
}
