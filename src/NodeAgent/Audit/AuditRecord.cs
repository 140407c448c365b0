namespace Conjur.EventSourced.NodeAgent.Audit;

/// <summary>
/// An <see cref="AuditEvent"/> once it has its place: the node where it happened (<see cref="Origin"/>,
/// also the RFC 5424 HOSTNAME) and that node's next <see cref="Sequence"/>. (origin, sequence) is the
/// record's identity everywhere: in the follower's spool, on the wire, and the primary key on the master.
/// </summary>
public sealed record AuditRecord
{
    public required string Origin { get; init; }
    public required long Sequence { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public required string MessageId { get; init; }
    public required string Operation { get; init; }
    public required bool Success { get; init; }
    public required string Message { get; init; }
    public string? User { get; init; }
    public string? Subject { get; init; }
    public string? Authenticator { get; init; }
    public string? Service { get; init; }
    public string? ClientIp { get; init; }

    public string Result => Success ? "success" : "failure";

    /// <summary>
    /// The record of an event: every field fitted to what the master stores (<see cref="AuditFields"/>), so nothing
    /// a client sent can make the record unstorable later.
    /// </summary>
    public static AuditRecord From(AuditEvent e, string origin, long sequence)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new()
        {
            Origin = origin,
            Sequence = sequence,
            Timestamp = e.Timestamp.ToUniversalTime(),
            MessageId = AuditFields.MessageId(e.MessageId),
            Operation = AuditFields.CapRequired(e.Operation),
            Success = e.Success,
            Message = AuditFields.CapRequired(e.Message),
            User = AuditFields.Cap(e.User),
            Subject = AuditFields.Cap(e.Subject),
            Authenticator = AuditFields.Cap(e.Authenticator),
            Service = AuditFields.Cap(e.Service),
            ClientIp = AuditFields.Cap(e.ClientIp),
        };
    }
}
