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

    public static AuditRecord From(AuditEvent e, string origin, long sequence) => new()
    {
        Origin = origin,
        Sequence = sequence,
        Timestamp = e.Timestamp.ToUniversalTime(),
        MessageId = e.MessageId,
        Operation = e.Operation,
        Success = e.Success,
        Message = e.Message,
        User = e.User,
        Subject = e.Subject,
        Authenticator = e.Authenticator,
        Service = e.Service,
        ClientIp = e.ClientIp,
    };
}
