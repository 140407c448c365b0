using System.Globalization;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Cli.Audit;

/// <summary>What <c>cluster audit</c> selects: every field optional, all given ones must hold.</summary>
public sealed record AuditFilter
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 100_000;

    public string? Origin { get; init; }
    public string? User { get; init; }

    /// <summary>Matches the MSGID (<c>fetch</c>, <c>authn</c>, ...) or the operation (<c>authenticate</c>, <c>load</c>, ...).</summary>
    public string? Action { get; init; }
    public string? Result { get; init; }
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
    public int Limit { get; init; } = DefaultLimit;

    /// <summary>The newest <see cref="Limit"/> matching records, oldest first (as a log reads), values as parameters.</summary>
    public (string Sql, IReadOnlyList<object> Parameters) ToSql()
    {
        var where = new List<string>();
        var values = new List<object>();
        void Add(string condition, object value)
        {
            values.Add(value);
            where.Add(condition.Replace("@", "$" + values.Count.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        }
        if (Origin is not null) { Add("origin = @", Origin); }
        if (User is not null) { Add("user_id = @", User); }
        if (Action is not null) { Add("(message_id = @ OR operation = @)", Action); }
        if (Result is not null) { Add("result = @", Result); }
        if (Since is not null) { Add("occurred_at >= @", Since.Value.ToUniversalTime()); }
        if (Until is not null) { Add("occurred_at < @", Until.Value.ToUniversalTime()); }
        var sql = "SELECT origin, sequence, occurred_at, severity, message_id, operation, result, user_id, subject, authenticator, service, client_ip, message, rfc5424, stored_at "
            + "FROM audit_records"
            + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")
            + $" ORDER BY occurred_at DESC, origin DESC, sequence DESC LIMIT {Limit.ToString(CultureInfo.InvariantCulture)}";
        return ($"SELECT * FROM ({sql}) newest ORDER BY occurred_at, origin, sequence", values);
    }

    /// <summary>An instant: ISO 8601 (<c>2026-11-26T17:00:00Z</c>, a date alone is midnight UTC) or an age (<c>90s</c>, <c>15m</c>, <c>2h</c>, <c>7d</c> ago).</summary>
    public static DateTimeOffset ParseTime(string text, DateTimeOffset now)
    {
        var t = text.Trim();
        if (t.Length >= 2 && char.IsAsciiLetter(t[^1]) && double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0)
        {
            var unit = t[^1] switch
            {
                's' => TimeSpan.FromSeconds(1),
                'm' => TimeSpan.FromMinutes(1),
                'h' => TimeSpan.FromHours(1),
                'd' => TimeSpan.FromDays(1),
                _ => throw new ConfigurationException($"'{text}': the unit of an age is s, m, h or d (e.g. 15m)"),
            };
            return now - (unit * n);
        }
        if (DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            return at;
        }
        throw new ConfigurationException($"'{text}' is neither an ISO 8601 time (2026-11-26T17:00:00Z) nor an age (15m, 2h, 7d)");
    }
}
