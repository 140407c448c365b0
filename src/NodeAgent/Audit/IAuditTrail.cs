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
}
