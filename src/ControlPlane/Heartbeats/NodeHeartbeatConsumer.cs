using Conjur.EventSourced.Contracts.Nodes;
using MassTransit;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

public sealed class NodeHeartbeatConsumer(NodeEventRecorder recorder) : IConsumer<Batch<NodeHeartbeat>>
{
    public Task Consume(ConsumeContext<Batch<NodeHeartbeat>> context) =>
        recorder.RecordAsync([.. context.Message.Select(m => HeartbeatRecorded.From(m.Message))], context.CancellationToken);
}
