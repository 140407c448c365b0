namespace Conjur.EventSourced.NodeAgent.Audit;

/// <summary>Placeholder until the audit database and shipping land: writes the record to the log only.</summary>
public sealed class LoggedAuditTrail(ILogger<LoggedAuditTrail> logger) : IAuditTrail
{
    public Task RecordAsync(AuditEvent audit, CancellationToken ct)
    {
        logger.LogInformation("audit {MessageId} {Operation} {Result} user={User} subject={Subject}: {Message}",
            audit.MessageId, audit.Operation, audit.Success ? "success" : "failure", audit.User, audit.Subject, audit.Message);
        return Task.CompletedTask;
    }
}
