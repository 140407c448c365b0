using Conjur.EventSourced.Hosting.Topology;
using Marten;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Conjur.EventSourced.ControlPlane.Failover;

/// <summary>
/// The saga's clock (the broker has no delayed-message plugin). Deadlines live in the saga documents, so
/// a restarted control plane finds every pending one again; this service only polls for those past due
/// and publishes <see cref="FailoverStepTimedOut"/>. Publishing twice (a second control plane, a restart)
/// is harmless: the saga acts only on the timeout matching its current step and attempt.
/// </summary>
public sealed class FailoverTimeoutScheduler(
    IDocumentStore store,
    IBus bus,
    ClusterConfig config,
    IOptions<FailoverOptions> options,
    TimeProvider clock,
    ILogger<FailoverTimeoutScheduler> logger) : BackgroundService
{
    // (saga, attempt) -> when its timeout was last published, so a due saga is not published every poll.
    private readonly Dictionary<(Guid, int), DateTimeOffset> _published = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval, clock);
        do
        {
            try
            {
                await PollOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Postgres or the broker away: the deadlines stay in the store, the next poll tries again.
                logger.LogWarning("Failover timeout poll failed: {Error}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Publishes a timeout for every saga of this cluster past its deadline; returns how many were published.</summary>
    public async Task<int> PollOnceAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var session = store.QuerySession();
        var due = await session.Query<FailoverState>()
            .Where(s => s.ClusterId == config.ClusterId && s.Deadline != null && s.Deadline <= now)
            .ToListAsync(ct);

        var published = 0;
        foreach (var saga in due)
        {
            var key = (saga.CorrelationId, saga.Attempt);
            if (_published.TryGetValue(key, out var at) && now - at < options.Value.RepublishAfter)
            {
                continue;
            }
            await bus.Publish(new FailoverStepTimedOut
            {
                FailoverId = saga.CorrelationId,
                ClusterId = saga.ClusterId,
                Step = saga.DeadlineStep ?? "",
                Attempt = saga.Attempt,
                Deadline = saga.Deadline!.Value,
            }, ct);
            _published[key] = now;
            published++;
            logger.LogInformation("Failover {FailoverId}: step {Step} (attempt {Attempt}) passed its deadline", saga.CorrelationId, saga.DeadlineStep, saga.Attempt);
        }
        // Forget what is no longer due (answered, or timed out and moved on).
        foreach (var stale in _published.Keys.Where(k => !due.Any(s => s.CorrelationId == k.Item1 && s.Attempt == k.Item2)).ToList())
        {
            _published.Remove(stale);
        }
        return published;
    }
}
