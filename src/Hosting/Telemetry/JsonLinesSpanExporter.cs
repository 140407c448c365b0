using System.Diagnostics;
using System.Text.Json;
using OpenTelemetry;

namespace Conjur.EventSourced.Hosting.Telemetry;

/// <summary>
/// Appends finished spans to a JSON-lines file an operator can read without a collector. Bounded: when
/// the file passes <see cref="MaxBytes"/> it becomes <c>.1</c> (replacing the older one), so a process
/// keeps at most twice that. A write error is reported once to stderr and the batch is dropped: tracing
/// must never stop the process.
/// </summary>
public sealed class JsonLinesSpanExporter(string path, string service, string instance) : BaseExporter<Activity>
{
    public const long MaxBytes = 8 * 1024 * 1024;
    private bool _warned;

    public override ExportResult Export(in Batch<Activity> batch)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            Rotate();
            using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            using var writer = new StreamWriter(stream);
            foreach (var activity in batch)
            {
                writer.WriteLine(JsonSerializer.Serialize(ToRecord(activity), SpanLog.Json));
            }
            return ExportResult.Success;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (!_warned)
            {
                _warned = true;
                Console.Error.WriteLine($"traces: cannot write {path}: {e.Message}");
            }
            return ExportResult.Failure;
        }
    }

    private void Rotate()
    {
        var info = new FileInfo(path);
        if (info.Exists && info.Length > MaxBytes)
        {
            File.Move(path, path + ".1", overwrite: true);
        }
    }

    public SpanRecord ToRecord(Activity a) => new(
        a.TraceId.ToHexString(),
        a.SpanId.ToHexString(),
        a.ParentSpanId == default ? null : a.ParentSpanId.ToHexString(),
        a.DisplayName,
        a.Source.Name,
        a.Kind.ToString(),
        service,
        instance,
        a.StartTimeUtc,
        a.Duration.TotalMilliseconds,
        a.Status.ToString(),
        a.TagObjects.GroupBy(t => t.Key).ToDictionary(g => g.Key, g => g.Last().Value?.ToString()));
}
