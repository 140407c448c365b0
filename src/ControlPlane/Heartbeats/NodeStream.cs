using System.Globalization;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>
/// Stream keys of node streams. The cluster id is part of the key so that two clusters sharing one
/// control-plane database never write into each other's streams.
/// <para>
/// A node has a permanent stream (<c>{cluster}/node/{id}</c>: every state change, kept forever) and one
/// heartbeat stream per UTC day of the agent's clock (<c>{cluster}/node/{id}/heartbeats/{yyyyMMdd}</c>:
/// raw reports, compacted by the retention job once the day is past the window).
/// </para>
/// </summary>
public static class NodeStream
{
    public const string HeartbeatsSegment = "/heartbeats/";
    private const string DayFormat = "yyyyMMdd";

    public static string Key(string clusterId, string nodeId) => $"{clusterId}/node/{nodeId}";

    public static string HeartbeatsKey(string clusterId, string nodeId, DateTimeOffset observedAt) =>
        HeartbeatsKey(Key(clusterId, nodeId), DateOnly.FromDateTime(observedAt.UtcDateTime));

    public static string HeartbeatsKey(string nodeKey, DateOnly day) =>
        nodeKey + HeartbeatsSegment + day.ToString(DayFormat, CultureInfo.InvariantCulture);

    /// <summary>The node stream and day of a heartbeat stream key; null for any other key.</summary>
    public static (string NodeKey, DateOnly Day)? ParseHeartbeatsKey(string key)
    {
        var at = key.LastIndexOf(HeartbeatsSegment, StringComparison.Ordinal);
        if (at <= 0 || !DateOnly.TryParseExact(key[(at + HeartbeatsSegment.Length)..], DayFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return null;
        }
        return (key[..at], day);
    }
}
