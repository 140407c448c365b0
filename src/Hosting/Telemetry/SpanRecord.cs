namespace Conjur.EventSourced.Hosting.Telemetry;

/// <summary>One finished span as a line of a span file (and in <c>GET /api/traces/{failoverId}</c>).</summary>
public sealed record SpanRecord(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    string Source,
    string Kind,
    string Service,
    string Instance,
    DateTimeOffset Start,
    double DurationMs,
    string Status,
    IReadOnlyDictionary<string, string?> Tags);
