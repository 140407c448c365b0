using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Ha;
using Conjur.EventSourced.NodeAgent.Postgres;

namespace Conjur.EventSourced.NodeAgent.Failover;

/// <summary>
/// Carries out <see cref="StepDown"/> on the master for a planned switchover, losing no write: refuse
/// requests first (/health 503, so HAProxy drains), shut Postgres down cleanly (a fast shutdown waits
/// until the connected standbys have every WAL record, shutdown checkpoint included), then in one etcd
/// transaction delete <c>leader</c> and write <c>switchover</c>, which lets only the target race.
/// </summary>
public sealed class StepDownHandler(
    ClusterConfig config,
    NodeConfig node,
    EtcdSession etcd,
    ClusterKeys keys,
    PostgresProbe probe,
    PostgresSupervisor postgres,
    LeaderLease leader,
    NodeState state,
    AgentGate gate,
    CycleTrigger trigger,
    ILogger<StepDownHandler> log)
{
    public async Task<object> StepDownAsync(StepDown command, CancellationToken ct)
    {
        using var turn = await gate.EnterAsync("stepping down", TimeSpan.FromSeconds(10), ct);
        try
        {
            var view = ClusterView.From(keys, await etcd.GetPrefixAsync(keys.Prefix, ct));
            var pg = await probe.ProbeAsync(ct);
            var target = pg.Replicas.FirstOrDefault(r => r.NodeId == command.Target);
            string? refusal = view switch
            {
                _ when view.LeaderId != node.Id => $"this node does not lead (leader: {view.LeaderId ?? "nobody"})",
                _ when view.Member(command.Target) is not { Role: "standby", Async: false } => $"{command.Target} is not a synchronous-capable standby member",
                _ when target is not { State: "streaming" } => $"{command.Target} is not streaming from this master",
                _ => null,
            };
            if (refusal is not null || pg.CurrentWalPosition is not { } position)
            {
                return Failed(command, refusal ?? "postgres is not writable");
            }
            // The HA cycle keeps the leader lease alive while this handler holds the node (HaCycle.BusyAsync).
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await postgres.CheckpointAsync(ct);
            log.LogInformation("checkpoint before stepping down took {Ms} ms (writes still served)", clock.ElapsedMilliseconds);
            state.Set(state.Current with { SteppingDown = true, Outcome = $"stepping down for {command.Target}" });
            log.LogWarning("stepping down for a switchover to {Target}", command.Target);
            clock.Restart();
            await postgres.StopAsync(ct);
            log.LogInformation("postgres stopped cleanly in {Ms} ms", clock.ElapsedMilliseconds);

            // The handover key outlives this node's leader lease but not a stuck switchover.
            var lease = await etcd.GrantLeaseAsync(Math.Max(10, config.Failover.LeaseTtlSeconds * 5), ct);
            var txn = new Etcdserverpb.TxnRequest();
            txn.Compare.Add(EtcdSession.ValueIs(keys.Leader, node.Id));
            txn.Success.Add(EtcdSession.Put(keys.Switchover, new SwitchoverRecord(command.FailoverId, node.Id, command.Target, position).ToJson(), lease));
            txn.Success.Add(EtcdSession.Delete(keys.Leader));
            var handedOver = (await etcd.TxnAsync(txn, ct)).Succeeded;
            await leader.ReleaseAsync(ct);
            if (!handedOver)
            {
                await etcd.RevokeLeaseAsync(lease, ct);
                return Failed(command, "lost the leader lease while stepping down");
            }
            return new MasterSteppedDown
            {
                FailoverId = command.FailoverId,
                ClusterId = config.ClusterId,
                NodeId = node.Id,
                Position = position,
                SteppedDownAt = DateTimeOffset.UtcNow,
            };
        }
        finally
        {
            trigger.Pulse();
        }
    }

    private PromotionFailed Failed(StepDown command, string reason)
    {
        log.LogWarning("step down refused: {Reason}", reason);
        return new PromotionFailed
        {
            FailoverId = command.FailoverId,
            ClusterId = config.ClusterId,
            NodeId = node.Id,
            Reason = "step down refused: " + reason,
            FailedAt = DateTimeOffset.UtcNow,
        };
    }
}
