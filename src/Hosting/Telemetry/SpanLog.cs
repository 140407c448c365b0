using System.Text.Json;

namespace Conjur.EventSourced.Hosting.Telemetry;

/// <summary>Reads the span files of a cluster: a failover's whole trace, across every process that wrote one.</summary>
public static class SpanLog
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Every span in the folder's files (current and rotated); unreadable lines are skipped, not fatal.</summary>
    public static IReadOnlyList<SpanRecord> ReadAll(string tracesDir)
    {
        if (!Directory.Exists(tracesDir))
        {
            return [];
        }
        var spans = new List<SpanRecord>();
        foreach (var file in Directory.GetFiles(tracesDir, "*.spans.jsonl*"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (Parse(line) is { } span)
                {
                    spans.Add(span);
                }
            }
        }
        return spans;
    }

    /// <summary>The spans of the trace whose root names the failover, oldest first; empty when no process recorded it.</summary>
    public static IReadOnlyList<SpanRecord> ForFailover(string tracesDir, Guid failoverId)
    {
        var all = ReadAll(tracesDir);
        var id = failoverId.ToString();
        var traces = all.Where(s => s.Tags.TryGetValue(SpanTags.FailoverId, out var v) && string.Equals(v, id, StringComparison.OrdinalIgnoreCase))
            .Select(s => s.TraceId).ToHashSet(StringComparer.Ordinal);
        return [.. all.Where(s => traces.Contains(s.TraceId)).OrderBy(s => s.Start)];
    }

    private static SpanRecord? Parse(string line)
    {
        try
        {
            return string.IsNullOrWhiteSpace(line) ? null : JsonSerializer.Deserialize<SpanRecord>(line, Json);
        }
        catch (JsonException)
        {
            // A line cut short by a crash mid-write: the rest of the file is still good.
            return null;
        }
    }
}
