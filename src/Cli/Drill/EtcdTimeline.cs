using System.Diagnostics;
using Conjur.EventSourced.Hosting.Etcd;

namespace Conjur.EventSourced.Cli.Drill;

/// <summary>What the drill saw happen to a key in etcd.</summary>
public enum EtcdChange
{
    /// <summary><c>leader</c> as it was when watching began (not a change).</summary>
    LeaderInitial,
    LeaderDeleted,
    LeaderCreated,
    LockAcquired,
    LockReleased,
}

/// <summary>
/// One change seen in etcd. It happened after <see cref="NotBefore"/> (the previous read was sent) and was
/// seen at <see cref="SeenAt"/> (this read came back): <see cref="At"/> is the middle of that window.
/// <see cref="Term"/> is the key's create revision (for <c>leader</c>: the leader term).
/// </summary>
public sealed record EtcdEvent(EtcdChange Change, string? Node, long Term, long Lease, TimeSpan NotBefore, TimeSpan SeenAt)
{
    public TimeSpan At => NotBefore + ((SeenAt - NotBefore) / 2);
    public TimeSpan Uncertainty => (SeenAt - NotBefore) / 2;
}

/// <summary>
/// Reads the cluster prefix every <c>interval</c> (one range request: one revision) and timestamps every
/// change of <c>leader</c> and <c>promotion-lock</c> on the run's clock. Polling rather than a watch stream
/// keeps reconnection trivial; at 20 ms the timestamps are good to about ±12 ms plus one round trip.
/// </summary>
public sealed class EtcdTimeline(EtcdSession etcd, ClusterKeys keys, Stopwatch clock, TimeSpan? interval = null)
{
    private readonly TimeSpan _interval = interval ?? TimeSpan.FromMilliseconds(20);
    private readonly object _gate = new();
    private readonly List<EtcdEvent> _events = [];
    private int _failedReads;

    public IReadOnlyList<EtcdEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return _events.ToList();
            }
        }
    }

    /// <summary>Reads that etcd did not answer in time (each leaves a hole in the timeline's accuracy).</summary>
    public int FailedReads => Volatile.Read(ref _failedReads);

    /// <summary>Completes once the first read came back, so a fault is never injected before the timeline can see it.</summary>
    public Task Started => _started.Task;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task RunAsync(CancellationToken stop)
    {
        (string Value, long Term, long Lease)? leader = null, lockHolder = null;
        var first = true;
        var previousSent = clock.Elapsed;
        while (!stop.IsCancellationRequested)
        {
            var sent = clock.Elapsed;
            try
            {
                var range = await etcd.GetPrefixAsync(keys.Prefix, stop);
                var seen = clock.Elapsed;
                var l = range.Kvs.FirstOrDefault(kv => kv.Key.ToStringUtf8() == keys.Leader);
                var k = range.Kvs.FirstOrDefault(kv => kv.Key.ToStringUtf8() == keys.PromotionLock);
                var nowLeader = l is null ? ((string, long, long)?)null : (l.Value.ToStringUtf8(), l.CreateRevision, l.Lease);
                var nowLock = k is null ? ((string, long, long)?)null : (k.Value.ToStringUtf8(), k.CreateRevision, k.Lease);
                if (first)
                {
                    if (nowLeader is { } il)
                    {
                        Add(new EtcdEvent(EtcdChange.LeaderInitial, il.Item1, il.Item2, il.Item3, sent, seen));
                    }
                    first = false;
                    _started.TrySetResult();
                }
                else
                {
                    Compare(leader, nowLeader, EtcdChange.LeaderDeleted, EtcdChange.LeaderCreated, previousSent, seen);
                    Compare(lockHolder, nowLock, EtcdChange.LockReleased, EtcdChange.LockAcquired, previousSent, seen);
                }
                (leader, lockHolder, previousSent) = (nowLeader, nowLock, sent);
            }
            catch (EtcdUnavailableException)
            {
                Interlocked.Increment(ref _failedReads);
            }
            catch (Exception e) when (stop.IsCancellationRequested && e is OperationCanceledException or Grpc.Core.RpcException)
            {
                break;
            }
            var wait = _interval - (clock.Elapsed - sent);
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        _started.TrySetCanceled(stop);
    }

    private void Compare((string Value, long Term, long Lease)? before, (string Value, long Term, long Lease)? now,
        EtcdChange gone, EtcdChange came, TimeSpan notBefore, TimeSpan seen)
    {
        // A different create revision means the key was deleted and written again between two reads.
        if (before is { } b && (now is null || now.Value.Term != b.Term))
        {
            Add(new EtcdEvent(gone, b.Value, b.Term, b.Lease, notBefore, seen));
        }
        if (now is { } n && (before is null || before.Value.Term != n.Term))
        {
            Add(new EtcdEvent(came, n.Value, n.Term, n.Lease, notBefore, seen));
        }
    }

    private void Add(EtcdEvent e)
    {
        lock (_gate)
        {
            _events.Add(e);
        }
    }

    /// <summary>The first event matching <paramref name="match"/> seen after <paramref name="after"/>, waiting at most <paramref name="timeout"/>.</summary>
    public async Task<EtcdEvent?> WaitForAsync(Func<EtcdEvent, bool> match, TimeSpan after, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var found = Events.FirstOrDefault(e => e.SeenAt > after && match(e));
            if (found is not null || deadline.Elapsed >= timeout)
            {
                return found;
            }
            await Task.Delay(5, ct);
        }
    }
}
