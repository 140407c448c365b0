namespace Conjur.EventSourced.NodeAgent.Ha;

/// <summary>
/// Wakes the HA loop before its next tick: the postmaster exited, or etcd's watch saw <c>leader</c>,
/// <c>promotion-lock</c>, <c>switchover</c> or <c>members/</c> change. Failover speed comes from here,
/// not from a short cycle interval.
/// </summary>
public sealed class CycleTrigger : IDisposable
{
    public void Dispose() => _signal.Dispose();

    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Pulse()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already pulsed: one wake-up covers any number of causes.
        }
    }

    /// <summary>Waits for a pulse or the timeout, whichever comes first; never throws on cancellation.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            await _signal.WaitAsync(timeout, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
