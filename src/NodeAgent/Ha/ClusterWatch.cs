using Conjur.EventSourced.Hosting.Etcd;

namespace Conjur.EventSourced.NodeAgent.Ha;

/// <summary>
/// Watches the cluster's etcd prefix and wakes the HA loop when <c>leader</c>, <c>promotion-lock</c>,
/// <c>switchover</c> or a member changes, and after any reconnect (the watch may have missed events,
/// and the cycle's own read is the resync). <c>status/</c> and <c>alive/</c> change every second on
/// every node and wake nobody.
/// </summary>
public sealed class ClusterWatch(EtcdSession etcd, ClusterKeys keys, CycleTrigger trigger, ILogger<ClusterWatch> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var watch = new EtcdPrefixWatch(etcd, keys.Prefix);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await watch.RunAsync(events =>
                {
                    if (events is null || events.Any(e => Wakes(e.Kv.Key.ToStringUtf8())))
                    {
                        trigger.Pulse();
                    }
                    return Task.CompletedTask;
                }, stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The HA loop still ticks every interval; the watch only makes it faster. Never let it stop the agent.
                log.LogWarning("cluster watch failed, restarting: {Error}", e.Message);
                trigger.Pulse();
                await Task.Delay(TimeSpan.FromMilliseconds(500), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        log.LogInformation("cluster watch stopped at revision {Revision}", watch.LastRevision);
    }

    private bool Wakes(string key) =>
        key == keys.Leader || key == keys.PromotionLock || key == keys.Switchover || key.StartsWith(keys.MembersPrefix, StringComparison.Ordinal);
}
