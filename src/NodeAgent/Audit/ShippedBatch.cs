namespace Conjur.EventSourced.NodeAgent.Audit;

/// <summary>What a node sends to the master's <c>POST /audit/records</c>: its id and records in sequence order.</summary>
public sealed record ShippedBatch
{
    public string? Origin { get; init; }
    public IReadOnlyList<ShippedRecord>? Records { get; init; }
}

/// <summary>
/// One record on the wire. The master renders the RFC 5424 line itself from these fields (the hostname
/// is the origin), so a batch cannot smuggle in a line that says something its fields do not.
/// </summary>
public sealed record ShippedRecord
{
    public long Sequence { get; init; }
    public DateTimeOffset? Timestamp { get; init; }
    public string? MessageId { get; init; }
    public string? Operation { get; init; }
    public bool? Success { get; init; }
    public string? Message { get; init; }
    public string? User { get; init; }
    public string? Subject { get; init; }
    public string? Authenticator { get; init; }
    public string? Service { get; init; }
    public string? ClientIp { get; init; }

    public static ShippedRecord From(AuditRecord r) => new()
    {
        Sequence = r.Sequence,
        Timestamp = r.Timestamp,
        MessageId = r.MessageId,
        Operation = r.Operation,
        Success = r.Success,
        Message = r.Message,
        User = r.User,
        Subject = r.Subject,
        Authenticator = r.Authenticator,
        Service = r.Service,
        ClientIp = r.ClientIp,
    };
}

/// <summary>The master's answer once the batch is committed: the follower may forget everything up to <see cref="AcknowledgedThrough"/>.</summary>
public sealed record ShipAcknowledgement(string Origin, int Received, int Stored, int Duplicates, long AcknowledgedThrough);
