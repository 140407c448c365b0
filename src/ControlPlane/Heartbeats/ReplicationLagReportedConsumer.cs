using Conjur.EventSourced.Contracts.Nodes;
using MassTransit;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>Hands each lag report to the batcher; the message is acknowledged once its batch is committed.</summary>
public sealed class ReplicationLagReportedConsumer(NodeReportBatcher batcher) : IConsumer<ReplicationLagReported>
{
    public Task Consume(ConsumeContext<ReplicationLagReported> context) => batcher.AddAsync(ReplicationLagRecorded.From(context.Message), "lag_report");
}
