namespace Conjur.EventSourced.NodeAgent.Audit;

/// <summary>
/// One secret-access fact, in the shape of Conjur's RFC 5424 audit messages: a message id
/// (<c>authn</c>, <c>fetch</c>, <c>update</c>, <c>policy</c>, ...) and the structured data elements
/// <c>subject</c>, <c>auth</c>, <c>action</c> (operation and result) and <c>client</c>.
/// Never carries a secret value or an API key.
/// </summary>
public sealed record AuditEvent
{
    /// <summary>RFC 5424 MSGID as Conjur uses it: <c>authn</c>, <c>fetch</c>, <c>update</c>, <c>policy</c>.</summary>
    public required string MessageId { get; init; }

    /// <summary>The <c>action</c> element's <c>operation</c>: <c>authenticate</c>, <c>login</c>, <c>fetch</c>, <c>update</c>, <c>load</c>.</summary>
    public required string Operation { get; init; }

    /// <summary>The <c>action</c> element's <c>result</c>: success or failure.</summary>
    public required bool Success { get; init; }

    /// <summary>The human-readable message, as Conjur writes it (e.g. "myorg:host:app fetched version 3 of myorg:variable:db/pw").</summary>
    public required string Message { get; init; }

    /// <summary>The caller's role id (<c>account:kind:id</c>), the <c>auth</c> element's <c>user</c>; null when unknown (bad credentials).</summary>
    public string? User { get; init; }

    /// <summary>The <c>subject</c> element: the resource or role acted on (<c>account:variable:id</c>, <c>account:policy:id</c>, <c>account:user:id</c>).</summary>
    public string? Subject { get; init; }

    /// <summary>The <c>auth</c> element's <c>authenticator</c> (<c>authn</c>) and <c>service</c> (null for authn).</summary>
    public string Authenticator { get; init; } = "authn";
    public string? Service { get; init; }

    /// <summary>The <c>client</c> element's <c>ip</c>.</summary>
    public string? ClientIp { get; init; }

    public DateTimeOffset Timestamp { get; init; } = DateTimeOffset.UtcNow;
}
