using System.Globalization;

namespace Conjur.EventSourced.NodeAgent.Postgres;

/// <summary>
/// A timeline's history file (<c>pg_wal/0000000N.history</c>): one line per ancestor,
/// <c>parentTLI&lt;tab&gt;switchpoint&lt;tab&gt;reason</c>. The last line's switch point is where this timeline forked.
/// </summary>
public static class TimelineHistory
{
    public static string FileName(int timeline) => $"{timeline:X8}.history";

    /// <summary>The fork position of the newest timeline in <paramref name="content"/> as bytes, or null when there is none.</summary>
    public static long? SwitchPoint(string content)
    {
        var last = content.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .LastOrDefault(l => !l.StartsWith('#'));
        var fields = last?.Split('\t', ' ');
        return fields is { Length: >= 2 } ? ParseLsn(fields[1]) : null;
    }

    /// <summary>Postgres' <c>X/Y</c> notation: two hexadecimal 32-bit halves.</summary>
    public static long? ParseLsn(string lsn)
    {
        var parts = lsn.Split('/');
        return parts.Length == 2
               && uint.TryParse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hi)
               && uint.TryParse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var lo)
            ? ((long)hi << 32) | lo
            : null;
    }
}
