using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Ha;
using Conjur.EventSourced.NodeAgent.Postgres;

namespace Conjur.EventSourced.NodeAgent.Failover;

/// <summary>
/// Carries out <see cref="ReenrollNode"/>: the only way back for a fenced or removed node (S3). It
/// rewinds (or clones) onto the current master, adds itself to <c>members</c> as a standby in a
/// transaction that requires that master to still lead, and clears its fence.
/// </summary>
public sealed class Reenrollment(
    ClusterConfig config,
    NodeConfig node,
    EtcdSession etcd,
    ClusterKeys keys,
    PostgresProbe probe,
    FenceMarker fence,
    Rebase rebase,
    CycleTrigger trigger,
    ILogger<Reenrollment> log)
{
    public async Task<object> ReenrollAsync(ReenrollNode command, CancellationToken ct)
    {
        try
        {
            var view = ClusterView.From(keys, await etcd.GetPrefixAsync(keys.Prefix, ct));
            if (view.LeaderId is not { } master || master == node.Id)
            {
                return Failed(command, view.LeaderId is null ? "there is no master to follow" : "this node is the master");
            }
            var pg = await probe.ProbeAsync(ct);
            var current = view.Member(node.Id);
            if (current is { } m && m.Role != NodeRoles.Master && !fence.IsFenced && pg.Running && pg.InRecovery && pg.Streaming)
            {
                return Done(command, master, RebaseMethods.Followed);
            }
            var record = new MemberRecord(NodeRoles.Standby, node.Async, node.Host, node.HttpPort, node.PostgresPort);
            var enrolled = view with { Members = new Dictionary<string, MemberRecord>(view.Members) { [node.Id] = record } };
            log.LogWarning("re-enrolling as a standby of {Master}", master);
            var method = await rebase.RewindOrCloneAsync(master, enrolled, ct);

            var txn = new Etcdserverpb.TxnRequest();
            txn.Compare.Add(EtcdSession.ValueIs(keys.Leader, master));
            txn.Success.Add(EtcdSession.Put(keys.Member(node.Id), record.ToJson()));
            if (!(await etcd.TxnAsync(txn, ct)).Succeeded)
            {
                return Failed(command, $"{master} stopped leading during the re-enrolment");
            }
            fence.Clear();
            trigger.Pulse();
            var timeline = (await probe.ProbeAsync(ct)).Timeline ?? 0;
            if (!await rebase.FollowsAsync(timeline, TimeSpan.FromSeconds(30), ct))
            {
                return Failed(command, $"{method} and enrolled, but not streaming from {master} yet");
            }
            return Done(command, master, method);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "re-enrolment failed");
            return Failed(command, e.Message);
        }
    }

    private NodeReenrolled Done(ReenrollNode command, string master, string method) => new()
    {
        RequestId = command.RequestId,
        ClusterId = config.ClusterId,
        NodeId = node.Id,
        Master = master,
        Method = method,
        ReenrolledAt = DateTimeOffset.UtcNow,
    };

    private StandbyRebaseFailed Failed(ReenrollNode command, string reason) => new()
    {
        FailoverId = command.RequestId,
        ClusterId = config.ClusterId,
        NodeId = node.Id,
        Reason = "re-enrolment failed: " + reason,
        FailedAt = DateTimeOffset.UtcNow,
    };
}
