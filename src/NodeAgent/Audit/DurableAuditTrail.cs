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
/// <see cref="Enqueue"/> joins the same groups without a caller waiting (refused authentications).
/// </summary>
public sealed class DurableAuditTrail(NodeConfig node, NodeState state, AuditSpool spool, AuditDatabase database, ILogger<DurableAuditTrail> log)
    : BackgroundService, IAuditTrail
{
    public const int MaxGroup = 500;

    /// <summary>A record nobody waits for is tried with this many groups before it is given up (and logged).</summary>
    public const int BackgroundAttempts = 3;

    /// <summary>On shutdown, what is still queued gets one more group within this bound.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private int _queued;
    private string? _mode;
    private long _lastSequence;

    /// <summary>Records not yet acknowledged by the master: waiting here, plus the spool's unshipped ones.</summary>
    public int QueueDepth => Volatile.Read(ref _queued) + spool.Depth;

    /// <summary>Records the master refused, set aside beside the spool (see <see cref="AuditSpool.QuarantineAsync"/>).</summary>
    public int Quarantined => spool.Quarantined;

    public async Task RecordAsync(AuditEvent audit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(audit);
        var pending = new Pending(audit, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!TryQueue(pending))
        {
            throw new InvalidOperationException("the audit trail is shut down: the record was not stored");
        }
        // The record is stored even if this caller gives up waiting: an access that happened is audited.
        await pending.Stored!.Task.WaitAsync(ct);
    }

    public void Enqueue(AuditEvent audit)
    {
        ArgumentNullException.ThrowIfNull(audit);
        if (!TryQueue(new Pending(audit, null)))
        {
            log.LogError("audit: the trail is shut down: a {MessageId} record of {User} was not stored", audit.MessageId, audit.User);
        }
    }

    private bool TryQueue(Pending pending)
    {
        Interlocked.Increment(ref _queued);
        if (_queue.Writer.TryWrite(pending))
        {
            return true;
        }
        Interlocked.Decrement(ref _queued);
        return false;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var group = new List<Pending>(MaxGroup);
        // A group being stored when the agent begins to stop is finished, not cancelled (its records would be lost):
        // stopping ends the wait for the next group at once, and a store in flight only after the drain's bound.
        using var storing = new CancellationTokenSource();
        using var stopping = stoppingToken.Register(() => storing.CancelAfter(DrainTimeout));
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                Take(group);
                await StoreGroupAsync(group, storing.Token);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _queue.Writer.TryComplete();
            await DrainAsync(group);
        }
    }

    private void Take(List<Pending> group)
    {
        group.Clear();
        while (group.Count < MaxGroup && _queue.Reader.TryRead(out var p))
        {
            group.Add(p);
        }
    }

    private async Task StoreGroupAsync(List<Pending> group, CancellationToken ct)
    {
        try
        {
            await StoreAsync(group, ct);
            foreach (var p in group)
            {
                p.Stored?.TrySetResult();
            }
        }
        catch (Exception e)
        {
            _mode = null; // read the sequence again before the next group
            log.LogError("audit: could not store {Count} record(s): {Error}", group.Count, e.Message);
            var lost = 0;
            foreach (var p in group)
            {
                if (p.Stored is { } waiting)
                {
                    waiting.TrySetException(new InvalidOperationException($"the audit record could not be stored: {e.Message}", e));
                }
                else if (p.Attempts + 1 < BackgroundAttempts && !ct.IsCancellationRequested && TryQueue(p with { Attempts = p.Attempts + 1 }))
                {
                    // Nobody waits for it to learn of the failure: it goes with a later group.
                }
                else
                {
                    lost++;
                }
            }
            if (lost > 0)
            {
                log.LogError("audit: {Lost} record(s) nobody waited for (refused authentications) were not stored after {Attempts} attempts", lost, BackgroundAttempts);
            }
        }
        finally
        {
            Interlocked.Add(ref _queued, -group.Count);
        }
    }

    /// <summary>What was queued when the agent began to stop (refused authentications above all) gets one bounded last group.</summary>
    private async Task DrainAsync(List<Pending> group)
    {
        using var bound = new CancellationTokenSource(DrainTimeout);
        while (!bound.IsCancellationRequested)
        {
            Take(group);
            if (group.Count == 0)
            {
                return;
            }
            await StoreGroupAsync(group, bound.Token);
        }
        Take(group);
        foreach (var p in group)
        {
            p.Stored?.TrySetException(new InvalidOperationException("the node agent is stopping: the audit record was not stored"));
        }
        if (group.Count > 0)
        {
            log.LogError("audit: the agent stopped with {Count} record(s) not stored", group.Count);
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

    /// <summary>A queued event; <see cref="Stored"/> is null when nobody waits for it.</summary>
    private sealed record Pending(AuditEvent Event, TaskCompletionSource? Stored, int Attempts = 0);
}
