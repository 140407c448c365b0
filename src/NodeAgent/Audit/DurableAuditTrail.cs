using System.Threading.Channels;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Ha;

namespace Conjur.EventSourced.NodeAgent.Audit;

/// <summary>
/// The node's <see cref="IAuditTrail"/>. One writer takes the queued events in groups (one commit or one
/// fsync per group, not per request), gives each the node's next sequence and stores the group where this
/// node can write: the <c>audit</c> database on the master, the <see cref="AuditSpool"/> anywhere else
/// (the <see cref="AuditShipper"/> carries the spool to the master). <see cref="RecordAsync"/> returns
/// once its record is durable; if it cannot be stored, the caller gets the exception.
/// </summary>
public sealed class DurableAuditTrail(NodeConfig node, NodeState state, AuditSpool spool, AuditDatabase database, ILogger<DurableAuditTrail> log)
    : BackgroundService, IAuditTrail
{
    public const int MaxGroup = 500;

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private int _queued;
    private string? _mode;
    private long _lastSequence;

    /// <summary>Records not yet acknowledged by the master: waiting here, plus the spool's unshipped ones.</summary>
    public int QueueDepth => Volatile.Read(ref _queued) + spool.Depth;

    public async Task RecordAsync(AuditEvent audit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(audit);
        var pending = new Pending(audit, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        Interlocked.Increment(ref _queued);
        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref _queued);
            throw new InvalidOperationException("the audit trail is shut down: the record was not stored");
        }
        // The record is stored even if this caller gives up waiting: an access that happened is audited.
        await pending.Stored.Task.WaitAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var group = new List<Pending>(MaxGroup);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                group.Clear();
                while (group.Count < MaxGroup && _queue.Reader.TryRead(out var p))
                {
                    group.Add(p);
                }
                try
                {
                    await StoreAsync(group, stoppingToken);
                    foreach (var p in group)
                    {
                        p.Stored.TrySetResult();
                    }
                }
                catch (Exception e)
                {
                    _mode = null; // read the sequence again before the next group
                    log.LogError("audit: could not store {Count} record(s): {Error}", group.Count, e.Message);
                    foreach (var p in group)
                    {
                        p.Stored.TrySetException(new InvalidOperationException($"the audit record could not be stored: {e.Message}", e));
                    }
                }
                finally
                {
                    Interlocked.Add(ref _queued, -group.Count);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out var p))
            {
                p.Stored.TrySetException(new InvalidOperationException("the node agent is stopping: the audit record was not stored"));
            }
        }
    }

    private async Task StoreAsync(List<Pending> group, CancellationToken ct)
    {
        // Only the master can write its audit database; every other role keeps its records in the spool.
        var mode = state.Current.Role == "master" ? "database" : "spool";
        if (mode != _mode)
        {
            _lastSequence = await StartingSequenceAsync(mode, ct);
            _mode = mode;
            log.LogInformation("audit: storing in the {Mode} from sequence {Next}", mode == "database" ? "audit database" : "local spool", _lastSequence + 1);
        }
        var records = group.Select((p, i) => AuditRecord.From(p.Event, node.Id, _lastSequence + 1 + i)).ToList();
        if (mode == "database")
        {
            await database.InsertAsync(records, ignoreDuplicates: false, ct);
        }
        else
        {
            await spool.AppendAsync(records, ct);
        }
        _lastSequence += records.Count;
    }

    /// <summary>
    /// The sequence goes on from the highest this node has used anywhere: its spool (shipped or not) and
    /// its origin's rows in the audit database (written when it was master, and replicated here).
    /// </summary>
    private async Task<long> StartingSequenceAsync(string mode, CancellationToken ct)
    {
        var last = spool.LastSequence;
        try
        {
            last = Math.Max(last, await database.MaxSequenceAsync(node.Id, ct));
        }
        catch (Exception e) when (mode == "spool" && e is not OperationCanceledException)
        {
            // A follower's replica may be down; its own records since it last wrote the database are all in the spool.
            log.LogWarning("audit: could not read this node's last sequence from its replica ({Error}); going on from the spool's {Last}", e.Message, last);
        }
        return last;
    }

    private sealed record Pending(AuditEvent Event, TaskCompletionSource Stored);
}
