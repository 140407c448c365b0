using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.ControlPlane.Telemetry;
using MassTransit;

namespace Conjur.EventSourced.ControlPlane.ClusterHistory;

/// <summary>Records <see cref="FailoverBlocked"/> in the cluster stream as <see cref="FailoverBlockedRecorded"/>, once.</summary>
public sealed class FailoverBlockedConsumer(ClusterFactRecorder recorder) : IConsumer<FailoverBlocked>
{
    public async Task Consume(ConsumeContext<FailoverBlocked> context)
    {
        var m = context.Message;
        if (await recorder.RecordOnceAsync(m.ClusterId, $"failover-blocked/{m.FailoverId}/{m.ObservedBy}", new FailoverBlockedRecorded(m.FailoverId, m.FormerMaster, m.Term, m.ObservedBy, m.Reason, m.ObservedAt), context.CancellationToken))
        {
            ControlPlaneMetrics.FailoverEnded("blocked", FailoverKinds.Automatic);
        }
    }
}
