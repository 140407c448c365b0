using Conjur.EventSourced.Contracts.Failover;
using MassTransit;

namespace Conjur.EventSourced.ControlPlane.ClusterHistory;

/// <summary>Records <see cref="LeaderLeaseLost"/> in the cluster stream as <see cref="LeaderLeaseLossRecorded"/>, once.</summary>
public sealed class LeaderLeaseLostConsumer(ClusterFactRecorder recorder) : IConsumer<LeaderLeaseLost>
{
    public Task Consume(ConsumeContext<LeaderLeaseLost> context)
    {
        var m = context.Message;
        return recorder.RecordOnceAsync(m.ClusterId, $"leader-lease-lost/{m.FailoverId}/{m.ObservedBy}", new LeaderLeaseLossRecorded(m.FailoverId, m.FormerMaster, m.Term, m.ObservedBy, m.ObservedAt), context.CancellationToken);
    }
}
