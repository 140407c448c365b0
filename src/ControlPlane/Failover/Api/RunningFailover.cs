using Conjur.EventSourced.Hosting.Topology;
using Marten;

namespace Conjur.EventSourced.ControlPlane.Failover.Api;

/// <summary>
/// A failover still in progress, if any. Operators' requests are refused while one runs: two sagas
/// commanding the same agents would confuse the operator, though etcd keeps them safe either way.
/// </summary>
public static class RunningFailover
{
    public static async Task<FailoverState?> FindAsync(ClusterConfig config, IQuerySession session, CancellationToken ct) =>
        await session.Query<FailoverState>()
            .Where(s => s.ClusterId == config.ClusterId && s.CompletedAt == null && s.FailedAt == null)
            .OrderByDescending(s => s.StartedAt)
            .FirstOrDefaultAsync(ct);

    public static string Describe(FailoverState s) =>
        $"failover {s.CorrelationId} ({s.Kind}, {s.CurrentState}, candidate {s.Candidate}) is still running; wait for it to complete or fail";
}
