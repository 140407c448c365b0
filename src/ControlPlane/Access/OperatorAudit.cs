using System.Threading.Channels;
using Conjur.EventSourced.Hosting.Topology;
using Marten;

namespace Conjur.EventSourced.ControlPlane.Access;

/// <summary>
/// Writes the <see cref="OperatorStream"/>. An allowed request is recorded before its route runs, and the route
/// does not run if that fails (the answer is 503): an operator's act is never unrecorded. Refusals go through a
/// bounded queue to one background writer in batches. Appends to the one stream take turns through a gate (quick
/// append from concurrent transactions collides on the stream version, STACK-NOTES); a second control plane's
/// collision is retried.
/// </summary>
public sealed class OperatorAudit(IDocumentStore store, ClusterConfig config, ILogger<OperatorAudit> log) : BackgroundService
{
    public const int QueueCapacity = 1000;
    public const int BatchSize = 200;
    private const int Attempts = 3;

    private readonly Channel<OperatorRequestRefused> _refused = Channel.CreateBounded<OperatorRequestRefused>(
        new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _unrecorded;

    public string Stream => OperatorStream.Key(config.ClusterId);

    public async Task RecordAuthorizedAsync(OperatorRequestAuthorized request, CancellationToken ct) => await AppendAsync([request], ct);

    /// <summary>Queues a refusal; never waits. When the queue is full the refusal is counted instead.</summary>
    public void Refused(OperatorRequestRefused refusal)
    {
        if (!_refused.Writer.TryWrite(refusal))
        {
            Interlocked.Increment(ref _unrecorded);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<object>(BatchSize);
        try
        {
            while (await _refused.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < BatchSize && _refused.Reader.TryRead(out var refusal))
                {
                    var dropped = Interlocked.Exchange(ref _unrecorded, 0);
                    batch.Add(dropped == 0 ? refusal : refusal with { Unrecorded = dropped });
                }
                try
                {
                    await AppendAsync(batch, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Interlocked.Add(ref _unrecorded, batch.Count);
                    log.LogWarning("Could not record {Count} refused API requests in {Stream}: {Error}", batch.Count, Stream, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: what is still queued is lost, and counted nowhere but this log line.
            log.LogInformation("Stopping with {Count} refused API requests not recorded", _refused.Reader.Count + Interlocked.Read(ref _unrecorded));
        }
    }

    private async Task AppendAsync(IReadOnlyList<object> events, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await using var session = store.LightweightSession();
                    session.Events.Append(Stream, events.ToArray());
                    await session.SaveChangesAsync(ct);
                    return;
                }
                catch (Exception e) when (attempt < Attempts && e is not OperationCanceledException)
                {
                    // Another control plane appended to the stream at the same time, or Postgres blinked: try again.
                    log.LogDebug("Appending to {Stream} failed (attempt {Attempt}): {Error}", Stream, attempt, e.Message);
                    await Task.Delay(50 * attempt, ct);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }
}
