using System.Diagnostics;
using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.Hosting.Telemetry;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Telemetry;

namespace Conjur.EventSourced.NodeAgent.Failover;

/// <summary>
/// The control plane must not be a single point of failure of a failover. The winner of the promotion
/// lock normally waits for the saga's <see cref="PromoteStandby"/>; if it has not come
/// <see cref="FailoverConfig.SelfPromoteAfterMs"/> after the lock was taken (control plane down, or slow
/// on its first failover), the agent runs the same promotion on its own and publishes the answer, which
/// the saga takes as the promotion step's confirmation when it gets to it. Safety is unchanged: the
/// promotion still happens only through the etcd transaction that requires the lock this node holds.
/// </summary>
public sealed class SelfPromotion(
    ClusterConfig config,
    NodeConfig node,
    PromotionLock promotionLock,
    Promotion promotion,
    FailoverEvents events,
    ILogger<SelfPromotion> log) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);
    private Guid _attempted;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var grace = TimeSpan.FromMilliseconds(config.Failover.SelfPromoteAfterMs);
        if (grace <= TimeSpan.Zero)
        {
            log.LogInformation("self-promotion is off (Failover.SelfPromoteAfterMs <= 0): a lock winner waits for the saga");
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            // Wake at the deadline itself when a lock is held (every millisecond past it is write outage), else poll.
            var wait = promotionLock.Held && promotionLock.FailoverId != _attempted
                ? promotionLock.AcquiredAt + grace - DateTimeOffset.UtcNow
                : Poll;
            await Task.Delay(wait < TimeSpan.Zero ? TimeSpan.Zero : wait > Poll ? Poll : wait, stoppingToken);
            if (!Due(promotionLock.Held, promotionLock.FailoverId, promotionLock.AcquiredAt, _attempted, grace, DateTimeOffset.UtcNow))
            {
                continue;
            }
            _attempted = promotionLock.FailoverId;
            log.LogWarning("no PromoteStandby from the failover saga {Ms} ms after winning the promotion lock: promoting on its own",
                (int)grace.TotalMilliseconds);
            // In the failover's trace, so the saga's rebases that follow this answer stay in it.
            using var span = AgentTracing.Source.StartActivity(SpanTags.SelfPromotionSpan, ActivityKind.Internal, promotionLock.Trace);
            try
            {
                using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                bounded.CancelAfter(TimeSpan.FromSeconds(45));
                var answer = await promotion.PromoteAsync(new PromoteStandby
                {
                    FailoverId = promotionLock.FailoverId,
                    ClusterId = config.ClusterId,
                    NodeId = node.Id,
                    FormerMaster = promotionLock.FormerMaster,
                }, bounded.Token, selfInitiated: true);
                events.Publish(answer);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogWarning("self-promotion failed: {Error}", e.Message);
            }
        }
    }

    /// <summary>Still holding the lock of a failover not yet tried on its own, past the grace period.</summary>
    public static bool Due(bool held, Guid failoverId, DateTimeOffset acquiredAt, Guid attempted, TimeSpan grace, DateTimeOffset now) =>
        held && failoverId != attempted && now - acquiredAt >= grace;
}
