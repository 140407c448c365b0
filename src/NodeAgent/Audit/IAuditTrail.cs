namespace Conjur.EventSourced.NodeAgent.Audit;

/// <summary>
/// Where the secrets API writes its audit facts. The implementation stores the record on this node
/// (the master's <c>audit</c> database; a durable local spool on a follower, whose Postgres is a
/// read-only replica) and ships followers' records to the master, each stored there exactly once.
/// <see cref="RecordAsync"/> returns once the record is durable on this node.
/// </summary>
public interface IAuditTrail
{
    Task RecordAsync(AuditEvent audit, CancellationToken ct);

    /// <summary>
    /// Queues the record with the next group without waiting for it to be durable: for refused requests (a wrong
    /// API key, a rate-limited attempt), where waiting would make each attacking request a durable write it holds
    /// a connection for. Failures are retried with later groups and logged, never thrown at the caller.
    /// </summary>
    void Enqueue(AuditEvent audit);
}
