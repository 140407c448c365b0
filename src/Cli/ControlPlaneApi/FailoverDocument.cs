using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Conjur.EventSourced.Cli.ControlPlaneApi;

/// <summary>
/// Reads what <c>GET /api/failovers/{id}</c> returns: a JSON object with <c>state</c> and <c>events</c>.
/// Tolerant of the exact shape (the saga is being built): unknown fields are shown, not rejected.
/// </summary>
public static class FailoverDocument
{
    /// <summary>The saga's state: <c>failover.state</c> in the control plane's answer (a top-level <c>state</c> is read too).</summary>
    public static string? State(JsonElement doc)
    {
        if (doc.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var holder = doc.TryGetProperty("failover", out var f) && f.ValueKind == JsonValueKind.Object ? f : doc;
        return holder.TryGetProperty("state", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
    }

    public static bool IsCompleted(string? state) => string.Equals(state, "Completed", StringComparison.OrdinalIgnoreCase);

    public static bool IsFailed(string? state) => string.Equals(state, "Failed", StringComparison.OrdinalIgnoreCase);

    public static bool IsFinal(string? state) => IsCompleted(state) || IsFailed(state);

    public static IReadOnlyList<JsonElement> Events(JsonElement doc) =>
        doc.ValueKind == JsonValueKind.Object && doc.TryGetProperty("events", out var e) && e.ValueKind == JsonValueKind.Array
            ? e.EnumerateArray().ToList()
            : [];

    private static readonly string[] TypeFields = ["type", "eventType", "event", "name", "step"];
    private static readonly string[] TimeFields = ["at", "timestamp", "occurredAt", "observedAt", "time"];

    /// <summary>One line for an event: its time, its type, then its other scalar fields as key=value.</summary>
    public static string Describe(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            return e.ToString();
        }
        var line = new StringBuilder();
        var used = new HashSet<string>(StringComparer.Ordinal);
        var time = TimeFields.FirstOrDefault(f => e.TryGetProperty(f, out var v) && v.ValueKind == JsonValueKind.String);
        if (time is not null)
        {
            used.Add(time);
            var raw = e.GetProperty(time).GetString()!;
            line.Append(DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
                ? t.ToUniversalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) : raw).Append(' ');
        }
        var type = TypeFields.FirstOrDefault(f => e.TryGetProperty(f, out var v) && v.ValueKind == JsonValueKind.String);
        if (type is not null)
        {
            used.Add(type);
            line.Append(e.GetProperty(type).GetString());
        }
        // The data of an event may sit in a nested object ("data"): show its fields too.
        var fields = e.EnumerateObject().Where(p => !used.Contains(p.Name)).ToList();
        if (e.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object)
        {
            fields = fields.Where(p => p.Name != "data").Concat(data.EnumerateObject()).ToList();
        }
        foreach (var p in fields.Where(p => p.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null)))
        {
            line.Append(' ').Append(p.Name).Append('=').Append(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText());
        }
        return line.ToString().Trim();
    }
}
