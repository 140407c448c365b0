using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.ControlPlane.Telemetry;
using MassTransit;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

public sealed class NodeHeartbeatConsumer(NodeEventRecorder recorder) : IConsumer<Batch<NodeHeartbeat>>
{
    public async Task Consume(ConsumeContext<Batch<NodeHeartbeat>> context)
    {
        await recorder.RecordAsync([.. context.Message.Select(m => HeartbeatRecorded.From(m.Message))], context.CancellationToken);
        ControlPlaneMetrics.HeartbeatsIngested(context.Message.Length, "heartbeat");
    }
}
