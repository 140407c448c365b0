using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.ControlPlane.Telemetry;
using MassTransit;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

public sealed class ReplicationLagReportedConsumer(NodeEventRecorder recorder) : IConsumer<Batch<ReplicationLagReported>>
{
    public async Task Consume(ConsumeContext<Batch<ReplicationLagReported>> context)
    {
        await recorder.RecordAsync([.. context.Message.Select(m => ReplicationLagRecorded.From(m.Message))], context.CancellationToken);
        ControlPlaneMetrics.HeartbeatsIngested(context.Message.Length, "lag_report");
    }
}
