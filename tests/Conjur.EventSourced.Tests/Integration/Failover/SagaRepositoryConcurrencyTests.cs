using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.ControlPlane.Failover;
using Conjur.EventSourced.ControlPlane.Failover.History;
using Conjur.EventSourced.ControlPlane.Failover.Repository;
using Conjur.EventSourced.ControlPlane.Storage;
using Conjur.EventSourced.Tests.Fixtures;
using JasperFx;
using Marten;

namespace Conjur.EventSourced.Tests.Integration.Failover;

/// <summary>The repository's writes (<see cref="SagaDocuments"/>) raced directly: two writers of one saga version.</summary>
[Collection("failover")]
public sealed class SagaRepositoryConcurrencyTests(FailoverPostgres postgres) : IDisposable
{
    private readonly string _cluster = "cc" + Guid.NewGuid().ToString("N")[..8];
    private readonly DocumentStore _store = DocumentStore.For(o =>
    {
        o.Connection(postgres.ConnectionString);
        ControlPlaneStore.Configure(o);
    });

    public void Dispose() => _store.Dispose();

    private FailoverState NewSaga(Guid id)
    {
        var saga = new FailoverState { CorrelationId = id, CurrentState = "Promoting" };
        FailoverTransitions.Start(saga, _cluster, FailoverKinds.Automatic, "test", "node1", "node2", 7, ["node3", "node4"], DateTimeOffset.UtcNow);
        return saga;
    }

    [Fact]
    public async Task TwoWritersSameVersion_OneWinsOtherGetsConcurrencyError()
    {
        var id = Guid.NewGuid();
        await using (var create = _store.LightweightSession())
        {
            await SagaDocuments.InsertAsync(create, NewSaga(id), default);
        }
        await using var a = _store.LightweightSession();
        await using var b = _store.LightweightSession();
        var sagaA = (await a.LoadAsync<FailoverState>(id))!;
        var sagaB = (await b.LoadAsync<FailoverState>(id))!;
        sagaA.Version.ShouldBe(sagaB.Version);

        FailoverTransitions.Rebased(sagaA, new StandbyRebased
        {
            FailoverId = id, ClusterId = _cluster, NodeId = "node3", NewMaster = "node2", Method = RebaseMethods.Followed, RebasedAt = DateTimeOffset.UtcNow,
        }, DateTimeOffset.UtcNow);
        FailoverTransitions.Rebased(sagaB, new StandbyRebased
        {
            FailoverId = id, ClusterId = _cluster, NodeId = "node4", NewMaster = "node2", Method = RebaseMethods.Followed, RebasedAt = DateTimeOffset.UtcNow,
        }, DateTimeOffset.UtcNow);

        await SagaDocuments.UpdateAsync(a, sagaA, default);
        await Should.ThrowAsync<ConcurrencyException>(() => SagaDocuments.UpdateAsync(b, sagaB, default));

        await using var check = _store.QuerySession();
        (await check.LoadAsync<FailoverState>(id))!.Rebased.ShouldBe(["node3"]);
        // The loser's stream event was in the rolled-back transaction with its document.
        var events = await check.Events.FetchStreamAsync(FailoverStream.Key(_cluster, id));
        events.Select(e => e.Data).OfType<RebaseConfirmed>().Select(e => e.Node).ShouldBe(["node3"]);
    }

    [Fact]
    public async Task TwoWritersInsertSameSaga_SecondGetsAlreadyExists()
    {
        var id = Guid.NewGuid();
        await using var a = _store.LightweightSession();
        await using var b = _store.LightweightSession();

        await SagaDocuments.InsertAsync(a, NewSaga(id), default);
        await Should.ThrowAsync<DocumentAlreadyExistsException>(() => SagaDocuments.InsertAsync(b, NewSaga(id), default));

        await using var check = _store.QuerySession();
        (await check.Events.FetchStreamAsync(FailoverStream.Key(_cluster, id))).Count.ShouldBe(1);
    }
}
