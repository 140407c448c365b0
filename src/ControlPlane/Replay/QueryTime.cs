using System.Globalization;

namespace Conjur.EventSourced.ControlPlane.Replay;

/// <summary>Timestamps in query strings: ISO 8601, with an offset or Z (a bare local time is refused, it would be ambiguous).</summary>
public static class QueryTime
{
    public static bool TryParse(string? text, out DateTimeOffset? value, out string? error)
    {
        value = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        var t = text.IndexOf('T', StringComparison.OrdinalIgnoreCase);
        var zoned = t > 0 && (text.EndsWith('Z') || text.EndsWith('z') || text.IndexOfAny(['+', '-'], t) > 0);
        if (!zoned || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            error = $"'{text}' is not an ISO 8601 time with a zone, e.g. 2026-11-26T17:05:00Z";
            return false;
        }
        value = parsed.ToUniversalTime();
        return true;
    }
}
