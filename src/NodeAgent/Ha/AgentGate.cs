namespace Conjur.EventSourced.NodeAgent.Ha;

/// <summary>
/// One writer at a time for the node's Postgres and etcd state: the HA cycle and the saga's commands
/// (promote, rebase, step down, re-enrol) take turns. Long operations say what they are doing so the
/// cycle can keep the alive lease fresh while it waits.
/// </summary>
public sealed class AgentGate : IDisposable
{
    public void Dispose() => _gate.Dispose();

    private readonly SemaphoreSlim _gate = new(1, 1);

    public string? Operation { get; private set; }

    public async Task<IDisposable> EnterAsync(string operation, TimeSpan timeout, CancellationToken ct)
    {
        if (!await _gate.WaitAsync(timeout, ct))
        {
            throw new TimeoutException($"could not start '{operation}' within {timeout.TotalSeconds} s: busy with '{Operation}'");
        }
        Operation = operation;
        return new Releaser(this);
    }

    public IDisposable? TryEnter(string operation)
    {
        if (!_gate.Wait(0))
        {
            return null;
        }
        Operation = operation;
        return new Releaser(this);
    }

    private sealed class Releaser(AgentGate owner) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                owner.Operation = null;
                owner._gate.Release();
            }
        }
    }
}
