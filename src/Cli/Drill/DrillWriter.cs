using System.Diagnostics;
using Npgsql;

namespace Conjur.EventSourced.Cli.Drill;

/// <summary>
/// One client writing as fast as it can through the load balancer: one connection, autocommit, one
/// insert per round trip, so each returned insert is one acknowledged commit. Every failure is recorded
/// with its class and the writer reconnects after a short bounded backoff. An id is never reused: an
/// insert whose outcome is unknown (cut mid-commit) keeps its id, and the next insert takes a new one.
/// The run text tells runs apart when counting what reached the master.
/// </summary>
public sealed class DrillWriter(string connectionString, string run, Stopwatch clock)
{
    public const string CreateTable = "CREATE TABLE IF NOT EXISTS drill_writes (id bigint PRIMARY KEY, run text, at timestamptz)";
    private const string Insert = "INSERT INTO drill_writes (id, run, at) VALUES ($1, $2, now()) RETURNING inet_server_port()";
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMilliseconds(50);

    private readonly object _gate = new();
    private readonly List<Ack> _acks = new(1 << 16);
    private readonly List<WriteError> _errors = [];
    // drill_writes.id is the primary key across runs: each run starts at its start time (ms) × 1000, past any
    // earlier run's ids (runs are sequential and none writes 1000 rows per millisecond).
    private long _next = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
    private int _attempts;

    public string Run => run;

    /// <summary>A copy of the acks so far, in the order they were acknowledged.</summary>
    public IReadOnlyList<Ack> Acks
    {
        get
        {
            lock (_gate)
            {
                return _acks.ToList();
            }
        }
    }

    public IReadOnlyList<WriteError> Errors
    {
        get
        {
            lock (_gate)
            {
                return _errors.ToList();
            }
        }
    }

    public int AckCount
    {
        get
        {
            lock (_gate)
            {
                return _acks.Count;
            }
        }
    }

    public TimeSpan? LastAckAt
    {
        get
        {
            lock (_gate)
            {
                return _acks.Count == 0 ? null : _acks[^1].At;
            }
        }
    }

    /// <summary>Inserts attempted, acknowledged or not.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>Writes until <paramref name="stop"/> is cancelled; never throws for a database error.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var backoff = MinBackoff;
        var tableReady = false;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var conn = new NpgsqlConnection(connectionString);
                var unreplicated = false;
                conn.Notice += (_, e) =>
                {
                    // "canceling wait for synchronous replication ... committed locally, but might not have been replicated"
                    if (e.Notice.MessageText.Contains("synchronous replication", StringComparison.OrdinalIgnoreCase))
                    {
                        unreplicated = true;
                    }
                };
                await conn.OpenAsync(stop);
                if (!tableReady)
                {
                    await using var create = new NpgsqlCommand(CreateTable, conn);
                    await create.ExecuteNonQueryAsync(stop);
                    tableReady = true;
                }
                await using var cmd = new NpgsqlCommand(Insert, conn);
                var id = new NpgsqlParameter<long> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint };
                cmd.Parameters.Add(id);
                cmd.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text, TypedValue = run });
                await cmd.PrepareAsync(stop);
                while (!stop.IsCancellationRequested)
                {
                    id.TypedValue = Interlocked.Increment(ref _next) - 1;
                    Interlocked.Increment(ref _attempts);
                    unreplicated = false;
                    var port = await cmd.ExecuteScalarAsync(stop);
                    var ack = new Ack(id.TypedValue, clock.Elapsed, port is int p ? p : 0, unreplicated);
                    lock (_gate)
                    {
                        _acks.Add(ack);
                    }
                    backoff = MinBackoff;
                }
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                var error = new WriteError(clock.Elapsed, WriteErrors.Classify(e), Flatten(e));
                lock (_gate)
                {
                    _errors.Add(error);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception)
            {
                // Stopping: an insert cut by our own cancellation is neither an ack nor a failure of the cluster.
                return;
            }
            try
            {
                await Task.Delay(backoff, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 3 / 2));
        }
    }

    private static string Flatten(Exception e)
    {
        var parts = new List<string>();
        for (Exception? x = e; x is not null && parts.Count < 3; x = x.InnerException)
        {
            parts.Add(x is PostgresException pg ? $"{pg.SqlState} {pg.MessageText}" : x.Message);
        }
        var text = string.Join(" <- ", parts.Distinct());
        return text.Length > 300 ? text[..300] : text;
    }
}
