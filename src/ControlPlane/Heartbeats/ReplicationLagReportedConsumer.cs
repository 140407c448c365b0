using Conjur.EventSourced.Contracts.Nodes;
using MassTransit;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

public sealed class ReplicationLagReportedConsumer(NodeEventRecorder recorder) : IConsumer<Batch<ReplicationLagReported>>
{
    public Task Consume(ConsumeContext<Batch<ReplicationLagReported>> context) =>
        recorder.RecordAsync([.. context.Message.Select(m => ReplicationLagRecorded.From(m.Message))], context.CancellationToken);
}
