using Conjur.EventSourced.Contracts.Nodes;
using MassTransit;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>Hands each heartbeat to the batcher; the message is acknowledged once its batch is committed.</summary>
public sealed class NodeHeartbeatConsumer(NodeReportBatcher batcher) : IConsumer<NodeHeartbeat>
{
    public Task Consume(ConsumeContext<NodeHeartbeat> context) => batcher.AddAsync(HeartbeatRecorded.From(context.Message), "heartbeat");
}
