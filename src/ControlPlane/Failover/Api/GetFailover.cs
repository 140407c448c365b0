using Conjur.EventSourced.ControlPlane.Failover.History;
using Conjur.EventSourced.Hosting.Topology;
using Marten;

namespace Conjur.EventSourced.ControlPlane.Failover.Api;

/// <summary><c>GET /api/failovers/{id}</c>: the saga and every step of its stream with its time.</summary>
public static class GetFailover
{
    public static async Task<IResult> HandleAsync(Guid id, ClusterConfig config, IQuerySession session, CancellationToken ct)
    {
        var saga = await session.LoadAsync<FailoverState>(id, ct);
        if (saga is null || saga.ClusterId != config.ClusterId)
        {
            return Results.NotFound(new { error = $"no failover {id} in cluster '{config.ClusterId}'" });
        }
        var events = await session.Events.FetchStreamAsync(saga.StreamKey(), token: ct);
        var views = events
            .Where(e => e.Data is IFailoverEvent)
            .Select(e => (Event: e, Data: (IFailoverEvent)e.Data))
            .Select(x => new FailoverEventView(x.Event.Version, x.Event.EventTypeName, x.Data.Step, x.Data.Node, x.Data.Detail, x.Data.At, x.Event.Timestamp))
            .ToList();
        return Results.Ok(new FailoverDetails(
            FailoverSummary.From(saga), saga.StreamKey(), saga.Term, saga.Timeline, saga.SwitchPosition, saga.FormerCandidates,
            saga.Replicas, saga.Pending, saga.Rebased, saga.RebaseFailures, saga.Deadline is null ? null : saga.DeadlineStep, saga.Deadline, views));
    }
}
