using Conjur.EventSourced.Contracts.Failover;
using MassTransit;

namespace Conjur.EventSourced.ControlPlane.ClusterHistory;

/// <summary>Records <see cref="MasterPromoted"/> in the cluster stream as <see cref="MasterChanged"/>, once.</summary>
public sealed class MasterPromotedConsumer(ClusterFactRecorder recorder) : IConsumer<MasterPromoted>
{
    public Task Consume(ConsumeContext<MasterPromoted> context)
    {
        var m = context.Message;
        return recorder.RecordOnceAsync(m.ClusterId, $"master-changed/{m.FailoverId}/{m.NodeId}", new MasterChanged(m.FailoverId, m.NodeId, m.FormerMaster, m.Timeline, m.PromotedAt), context.CancellationToken);
    }
}
