using Conjur.EventSourced.Contracts.Failover;
using MassTransit;

namespace Conjur.EventSourced.ControlPlane.ClusterHistory;

/// <summary>Records <see cref="NodeReenrolled"/> in the cluster stream as <see cref="NodeReenrollConfirmed"/>, once.</summary>
public sealed class NodeReenrolledConsumer(ClusterFactRecorder recorder) : IConsumer<NodeReenrolled>
{
    public Task Consume(ConsumeContext<NodeReenrolled> context)
    {
        var m = context.Message;
        return recorder.RecordOnceAsync(m.ClusterId, $"reenrolled/{m.RequestId}/{m.NodeId}", new NodeReenrollConfirmed(m.RequestId, m.NodeId, m.Master, m.Method, m.ReenrolledAt), context.CancellationToken);
    }
}
