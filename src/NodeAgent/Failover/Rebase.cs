using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Postgres;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Ha;
using Conjur.EventSourced.NodeAgent.Postgres;

namespace Conjur.EventSourced.NodeAgent.Failover;

/// <summary>
/// Carries out <see cref="RebaseStandby"/> and the data part of a re-enrolment: make this replica follow
/// the new master. A replica that holds no WAL past the new timeline's fork just follows it (the HA cycle
/// already points it at the new master); one that does (it received records the new master never had) is
/// rewound with pg_rewind, and cloned afresh if even that fails. Waits are bounded and happen outside the
/// agent's gate, so the HA cycle keeps the alive lease fresh meanwhile.
/// </summary>
public sealed class Rebase(
    ClusterConfig config,
    NodeConfig node,
    EtcdSession etcd,
    ClusterKeys keys,
    PostgresProbe probe,
    PostgresSupervisor postgres,
    HaCycle cycle,
    AgentGate gate,
    CycleTrigger trigger,
    ILogger<Rebase> log)
{
    /// <summary>
    /// A replica that can follow does so within a few hundred milliseconds. One whose WAL diverged at a point
    /// it cannot see from its position (an older timeline's history) keeps retrying instead; past this wait
    /// it is rewound, which is harmless for a replica that had not diverged after all.
    /// </summary>
    private static readonly TimeSpan FollowWait = TimeSpan.FromSeconds(3);

    public async Task<object> RebaseAsync(RebaseStandby command, CancellationToken ct)
    {
        var view = ClusterView.From(keys, await etcd.GetPrefixAsync(keys.Prefix, ct));
        if (view.LeaderId != command.NewMaster)
        {
            return Failed(command, $"stale command: the leader is now {view.LeaderId ?? "nobody"}, not {command.NewMaster}");
        }
        try
        {
            var pg = await probe.ProbeAsync(ct);
            var position = pg.Received;
            string method;
            // Already on the new timeline (a standby that cascaded from the candidate, a follower that
            // reconnected through the load balancer): its position past the fork is the new master's WAL.
            var onNewTimeline = pg.Running && pg.InRecovery && pg.Timeline >= command.Timeline;
            if ((onNewTimeline || (pg.Running && pg.InRecovery && position <= command.SwitchPosition))
                && await FollowsAsync(command.Timeline, FollowWait, ct))
            {
                method = RebaseMethods.Followed;
            }
            else
            {
                log.LogWarning("replica at {Position} cannot follow timeline {Timeline} forked at {Switch}: rewinding",
                    position, command.Timeline, command.SwitchPosition);
                method = await RewindOrCloneAsync(command.NewMaster, view, ct);
                if (!await FollowsAsync(command.Timeline, TimeSpan.FromSeconds(30), ct))
                {
                    return Failed(command, $"{method}, but still not streaming from {command.NewMaster} on timeline {command.Timeline}");
                }
            }
            log.LogInformation("rebased onto {Master} ({Method})", command.NewMaster, method);
            return new StandbyRebased
            {
                FailoverId = command.FailoverId,
                ClusterId = config.ClusterId,
                NodeId = node.Id,
                NewMaster = command.NewMaster,
                Method = method,
                RebasedAt = DateTimeOffset.UtcNow,
            };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "rebase failed");
            return Failed(command, e.Message);
        }
    }

    /// <summary>Stops Postgres, rewinds it onto <paramref name="master"/> (or clones it when pg_rewind cannot), restarts it as that master's replica.</summary>
    public async Task<string> RewindOrCloneAsync(string master, ClusterView view, CancellationToken ct)
    {
        var source = view.Member(master) ?? throw new InvalidOperationException($"{master} is not a member");
        using var turn = await gate.EnterAsync($"rebasing onto {master}", TimeSpan.FromSeconds(15), ct);
        try
        {
            await postgres.StopAsync(ct);
            var role = view.Member(node.Id)?.Role is { } r && r != NodeRoles.Master ? r : NodeRoles.Standby;
            var settings = cycle.SettingsFor(role, view);
            try
            {
                await postgres.RewindAsync(source.Host, source.PostgresPort, ct);
                await PostgresTools.WriteManagedConfAsync(postgres.DataDir, settings, ct);
                await postgres.StartAsync(settings, ct);
                cycle.Applied(settings);
                return RebaseMethods.Rewound;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // pg_rewind refused, or the rewound server would not start (a history it cannot follow,
                // seen after repeated failovers of one node): a fresh copy of the master always works.
                log.LogWarning("rewinding failed ({Error}): cloning again from {Master}", e.Message, master);
                await postgres.StopAsync(ct);
            }
            await postgres.CloneAsync(source.Host, source.PostgresPort, ct);
            await PostgresTools.WriteManagedConfAsync(postgres.DataDir, settings, ct);
            await postgres.StartAsync(settings, ct);
            cycle.Applied(settings);
            return RebaseMethods.Cloned;
        }
        finally
        {
            trigger.Pulse();
        }
    }

    /// <summary>True once the WAL receiver streams on <paramref name="timeline"/> or later (bounded).</summary>
    public async Task<bool> FollowsAsync(int timeline, TimeSpan within, CancellationToken ct)
    {
        var until = DateTimeOffset.UtcNow + within;
        // One wake-up so the cycle points Postgres at the new master now rather than at its next tick.
        trigger.Pulse();
        while (DateTimeOffset.UtcNow < until)
        {
            var pg = await probe.ProbeAsync(ct);
            if (pg.Running && pg.InRecovery && pg.Streaming && pg.Timeline >= timeline)
            {
                return true;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }
        return false;
    }

    private StandbyRebaseFailed Failed(RebaseStandby command, string reason) => new()
    {
        FailoverId = command.FailoverId,
        ClusterId = config.ClusterId,
        NodeId = node.Id,
        Reason = reason,
        FailedAt = DateTimeOffset.UtcNow,
    };
}
