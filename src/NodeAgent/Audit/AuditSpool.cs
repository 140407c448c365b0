using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Conjur.EventSourced.NodeAgent.Audit;

/// <summary>
/// The durable local queue of a node that cannot write its own <c>audit</c> database (a follower: its
/// Postgres is a read-only replica). Two files under <c>nodes/{id}/audit/</c>:
/// <list type="bullet">
/// <item><c>spool.jsonl</c>: one <see cref="AuditRecord"/> per line, appended and fsynced before
/// <see cref="AppendAsync"/> returns, so a record acknowledged to the caller survives a crash;</item>
/// <item><c>shipped</c>: the highest sequence the master has acknowledged (or that was set aside, below),
/// replaced atomically (write, fsync, rename) only after the master's answer;</item>
/// <item><c>spool.quarantine</c>: records the master refused as malformed (400), kept with its answer for a
/// person to look at, so the records after them still ship (<see cref="QuarantineAsync"/>).</item>
/// </list>
/// A line torn by a crash mid-append was never acknowledged to its caller: it is set aside on load.
/// Once everything is shipped and the file has grown, it is emptied; the marker keeps the sequence going.
/// </summary>
public sealed class AuditSpool : IDisposable
{
    public const long CompactAboveBytes = 4 * 1024 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly SemaphoreSlim _io = new(1, 1);
    private readonly object _gate = new();
    private readonly List<AuditRecord> _pending = [];
    private readonly string _spoolPath;
    private readonly string _markerPath;
    private readonly string _rejectedPath;
    private readonly string _quarantinePath;
    private readonly HashSet<long> _quarantined = [];
    private FileStream? _append;
    private long _shipped;
    private long _last;

    public AuditSpool(string directory)
    {
        Directory.CreateDirectory(directory);
        Folder = directory;
        _spoolPath = Path.Combine(directory, "spool.jsonl");
        _markerPath = Path.Combine(directory, "shipped");
        _rejectedPath = Path.Combine(directory, "spool.rejected");
        _quarantinePath = Path.Combine(directory, "spool.quarantine");
        Load();
        LoadQuarantine();
    }

    public string Folder { get; }

    /// <summary>Records stored here and not yet acknowledged by the master.</summary>
    public int Depth
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>The highest sequence this spool has ever held (shipped or not): the next record gets a higher one.</summary>
    public long LastSequence => Interlocked.Read(ref _last);

    public long ShippedThrough => Interlocked.Read(ref _shipped);

    public string QuarantinePath => _quarantinePath;

    /// <summary>Records set aside in <see cref="QuarantinePath"/> (distinct sequences, over the spool's life).</summary>
    public int Quarantined
    {
        get
        {
            lock (_gate)
            {
                return _quarantined.Count;
            }
        }
    }

    /// <summary>Appends the records (in sequence order) and fsyncs before returning.</summary>
    public async Task AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken ct)
    {
        if (records.Count == 0)
        {
            return;
        }
        var text = new StringBuilder();
        foreach (var r in records)
        {
            text.Append(JsonSerializer.Serialize(r, Json)).Append('\n');
        }
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        await _io.WaitAsync(ct);
        try
        {
            _append ??= new FileStream(_spoolPath, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.None);
            var before = _append.Length;
            try
            {
                await _append.WriteAsync(bytes, ct);
                _append.Flush(flushToDisk: true);
            }
            catch
            {
                // Not stored (disk full, I/O error): take back what may have reached the file, so these
                // sequences, which the next group reuses, are never in the file twice.
                _append.Dispose();
                _append = null;
                using (var undo = new FileStream(_spoolPath, FileMode.Open, FileAccess.Write))
                {
                    undo.SetLength(before);
                }
                throw;
            }
            lock (_gate)
            {
                _pending.AddRange(records);
                _last = Math.Max(_last, records[^1].Sequence);
            }
        }
        finally
        {
            _io.Release();
        }
    }

    /// <summary>The oldest records not yet acknowledged, in sequence order.</summary>
    public IReadOnlyList<AuditRecord> Peek(int max)
    {
        lock (_gate)
        {
            return _pending.Take(max).ToList();
        }
    }

    /// <summary>The master has committed every record up to <paramref name="sequence"/>: make that durable, then forget them.</summary>
    public async Task AcknowledgeAsync(long sequence, CancellationToken ct)
    {
        await _io.WaitAsync(ct);
        try
        {
            await AcknowledgeLockedAsync(sequence, ct);
        }
        finally
        {
            _io.Release();
        }
    }

    /// <summary>
    /// Sets aside the oldest pending records, which the master will never accept: appended (with the reason, and
    /// fsynced) to <see cref="QuarantinePath"/>, and only then passed by the marker, so they are never lost and
    /// never block the records behind them. A crash in between quarantines them again on the next attempt.
    /// </summary>
    public async Task QuarantineAsync(IReadOnlyList<AuditRecord> records, string reason, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return;
        }
        var text = new StringBuilder();
        var why = new string([.. reason.Take(1000).Select(c => char.IsControl(c) ? ' ' : c)]);
        text.Append(CultureInfo.InvariantCulture, $"# {DateTimeOffset.UtcNow:O} refused by the master: {why}\n");
        foreach (var r in records)
        {
            text.Append(JsonSerializer.Serialize(r, Json)).Append('\n');
        }
        await _io.WaitAsync(ct);
        try
        {
            lock (_gate)
            {
                if (_pending.Count < records.Count || _pending[0].Sequence != records[0].Sequence)
                {
                    throw new InvalidOperationException("only the oldest pending records can be quarantined");
                }
            }
            await using (var file = new FileStream(_quarantinePath, FileMode.Append, FileAccess.Write, FileShare.Read))
            {
                await file.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), ct);
                file.Flush(flushToDisk: true);
            }
            lock (_gate)
            {
                _quarantined.UnionWith(records.Select(r => r.Sequence));
            }
            await AcknowledgeLockedAsync(records[^1].Sequence, ct);
        }
        finally
        {
            _io.Release();
        }
    }

    private async Task AcknowledgeLockedAsync(long sequence, CancellationToken ct)
    {
        if (sequence <= _shipped)
        {
            return;
        }
        var tmp = _markerPath + ".tmp";
        await using (var marker = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            await marker.WriteAsync(Encoding.ASCII.GetBytes(sequence.ToString(CultureInfo.InvariantCulture) + "\n"), ct);
            marker.Flush(flushToDisk: true);
        }
        File.Move(tmp, _markerPath, overwrite: true);
        bool drained;
        lock (_gate)
        {
            _shipped = sequence;
            _pending.RemoveAll(r => r.Sequence <= sequence);
            drained = _pending.Count == 0;
        }
        if (drained && _append is { } stream && stream.Length > CompactAboveBytes)
        {
            // Everything in the file is acknowledged and the marker (durable above) carries the sequence on.
            stream.SetLength(0);
            stream.Flush(flushToDisk: true);
        }
    }

    public void Dispose()
    {
        _append?.Dispose();
        _io.Dispose();
    }

    private void Load()
    {
        if (File.Exists(_markerPath))
        {
            var text = File.ReadAllText(_markerPath).Trim();
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _shipped))
            {
                throw new InvalidDataException($"audit spool marker {_markerPath} is not a sequence number: fix or remove it (records above it are re-shipped, and the master ignores duplicates)");
            }
        }
        _last = _shipped;
        if (!File.Exists(_spoolPath))
        {
            return;
        }
        var bytes = File.ReadAllBytes(_spoolPath);
        var start = 0;
        var lineNumber = 0;
        long goodLength = 0;
        while (start < bytes.Length)
        {
            var end = Array.IndexOf(bytes, (byte)'\n', start);
            lineNumber++;
            if (end < 0)
            {
                // A torn tail: the append never finished, so its caller was never told the record was stored.
                SetAside(bytes.AsSpan(start).ToArray(), $"torn last line {lineNumber}");
                break;
            }
            var line = bytes.AsSpan(start, end - start);
            AuditRecord? record = null;
            try
            {
                record = JsonSerializer.Deserialize<AuditRecord>(line, Json);
            }
            catch (JsonException)
            {
            }
            if (record is null)
            {
                SetAside(line.ToArray(), $"unreadable line {lineNumber}");
            }
            else
            {
                _last = Math.Max(_last, record.Sequence);
                if (record.Sequence > _shipped)
                {
                    _pending.Add(record);
                }
            }
            start = end + 1;
            goodLength = start;
        }
        if (goodLength < bytes.Length)
        {
            using var trim = new FileStream(_spoolPath, FileMode.Open, FileAccess.Write);
            trim.SetLength(goodLength);
            trim.Flush(flushToDisk: true);
        }
        _pending.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
    }

    private void LoadQuarantine()
    {
        if (!File.Exists(_quarantinePath))
        {
            return;
        }
        foreach (var line in File.ReadLines(_quarantinePath))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            try
            {
                if (JsonSerializer.Deserialize<AuditRecord>(line, Json) is { } r)
                {
                    _quarantined.Add(r.Sequence);
                }
            }
            catch (JsonException)
            {
                // A torn last line of a quarantine interrupted by a crash: its records are still pending and set aside again.
            }
        }
    }

    /// <summary>Never thrown away: an unreadable line goes to <c>spool.rejected</c> for a person to look at.</summary>
    private void SetAside(byte[] line, string why)
    {
        using var rejected = new FileStream(_rejectedPath, FileMode.Append, FileAccess.Write);
        rejected.Write(Encoding.UTF8.GetBytes($"# {DateTimeOffset.UtcNow:O} {why}\n"));
        rejected.Write(line);
        rejected.Write("\n"u8);
        rejected.Flush(flushToDisk: true);
    }
}
