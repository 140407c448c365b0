using System.Threading.Channels;
using Conjur.EventSourced.ControlPlane.Telemetry;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>
/// Gathers the reports the heartbeat and lag consumers receive into batches for the recorder (up to
/// <see cref="NodeReportBatches.MessageLimit"/> or <see cref="NodeReportBatches.TimeLimit"/> after the first),
/// one batch at a time, and completes each report's consume, so MassTransit acknowledges its message,
/// only after its batch is committed, one after the other in delivery order.
/// <para>
/// Why not MassTransit's <c>Batch&lt;T&gt;</c>: it acknowledges a batch's messages in no particular order, and
/// RabbitMQ 3.10 finds a single acknowledgement by walking the channel's unacknowledged deliveries from the
/// oldest, so out-of-order acknowledgements cost it time in proportion to the prefetch window.
/// <c>./cluster bench bus</c> measured it here: the bare client drained 14,600 messages/s acknowledging
/// each in order and 3,300/s shuffled; MassTransit drained 3,350/s with an empty <c>Batch&lt;T&gt;</c>
/// consumer and 7,200/s through this batcher with a recording that only counts (docs/event-store.md#the-bus-alone).
/// </para>
/// A failed batch fails every report in it; each message's retry brings it back in a later batch, where
/// whatever was already appended is "not newer" and left out.
/// </summary>
public sealed class NodeReportBatcher(Func<IReadOnlyCollection<INodeEvent>, CancellationToken, Task> record, ILogger<NodeReportBatcher> logger)
    : BackgroundService
{
    private readonly Channel<Pending> _reports = Channel.CreateUnbounded<Pending>();

    /// <summary>The control plane's: batches go to the recorder.</summary>
    public NodeReportBatcher(NodeEventRecorder recorder, ILogger<NodeReportBatcher> logger)
        : this(recorder.RecordAsync, logger)
    {
    }

    /// <summary>Completes when the report's batch is committed; fails with the batch.</summary>
    public Task AddAsync(INodeEvent report, string type)
    {
        // No RunContinuationsAsynchronously: completing a batch runs each consume's continuation (and so its
        // acknowledgement) right there, in the order the reports arrived.
        var pending = new Pending(report, type, new TaskCompletionSource());
        return _reports.Writer.TryWrite(pending)
            ? pending.Done.Task
            : Task.FromException(new InvalidOperationException("the control plane is stopping: node report not recorded"));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(NodeReportBatches.MessageLimit);
        try
        {
            while (await _reports.Reader.WaitToReadAsync(stoppingToken))
            {
                await FillAsync(batch, stoppingToken);
                await RecordAsync(batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            Fail(batch);
        }
    }

    /// <summary>Stopping (also before the loop ever ran): no report waits for a batch that never comes.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _reports.Writer.TryComplete();
        try
        {
            await base.StopAsync(cancellationToken);
        }
        finally
        {
            var rest = new List<Pending>();
            while (_reports.Reader.TryRead(out var pending))
            {
                rest.Add(pending);
            }
            Fail(rest);
        }
    }

    /// <summary>What was not recorded fails, so its message goes back to the queue unacknowledged.</summary>
    private static void Fail(List<Pending> reports)
    {
        var stopped = new OperationCanceledException("the control plane is stopping: node report not recorded");
        foreach (var pending in reports)
        {
            pending.Done.TrySetException(stopped);
        }
    }

    private async Task FillAsync(List<Pending> batch, CancellationToken stoppingToken)
    {
        using var window = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        window.CancelAfter(NodeReportBatches.TimeLimit);
        while (batch.Count < NodeReportBatches.MessageLimit)
        {
            if (_reports.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
                continue;
            }
            try
            {
                if (!await _reports.Reader.WaitToReadAsync(window.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                return; // the time limit: record what there is
            }
        }
    }

    private async Task RecordAsync(List<Pending> batch, CancellationToken stoppingToken)
    {
        try
        {
            await record([.. batch.Select(p => p.Report)], stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Recording a batch of {Count} node reports failed; their messages are retried", batch.Count);
            foreach (var pending in batch)
            {
                pending.Done.TrySetException(e);
            }
            return;
        }
        foreach (var group in batch.GroupBy(p => p.Type))
        {
            ControlPlaneMetrics.HeartbeatsIngested(group.Count(), group.Key);
        }
        foreach (var pending in batch)
        {
            pending.Done.TrySetResult();
        }
    }

    private sealed record Pending(INodeEvent Report, string Type, TaskCompletionSource Done);
}
