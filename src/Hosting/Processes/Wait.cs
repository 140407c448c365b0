using System.Diagnostics;

namespace Conjur.EventSourced.Hosting.Processes;

/// <summary>Bounded polling for an observable condition: every wait in the project goes through here.</summary>
public static class Wait
{
    public static async Task<bool> UntilAsync(Func<CancellationToken, Task<bool>> condition, TimeSpan timeout,
        TimeSpan? interval = null, CancellationToken ct = default)
    {
        var step = interval ?? TimeSpan.FromMilliseconds(100);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition(ct))
                {
                    return true;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // A condition that throws is simply not met yet (the service is still starting).
            }
            if (clock.Elapsed >= timeout)
            {
                return false;
            }
            await Task.Delay(step, ct);
        }
    }

    public static async Task ForAsync(string what, Func<CancellationToken, Task<bool>> condition, TimeSpan timeout,
        TimeSpan? interval = null, CancellationToken ct = default)
    {
        if (!await UntilAsync(condition, timeout, interval, ct))
        {
            throw new TimeoutException($"{what} did not happen within {timeout.TotalSeconds:0.#} s");
        }
    }

    public static Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout, TimeSpan? interval = null, CancellationToken ct = default) =>
        UntilAsync(_ => Task.FromResult(condition()), timeout, interval, ct);
}
