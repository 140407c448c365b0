using MassTransit;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

public sealed class ReplicationLagReportedConsumerDefinition : ConsumerDefinition<ReplicationLagReportedConsumer>
{
    public ReplicationLagReportedConsumerDefinition() => Endpoint(e => e.PrefetchCount = NodeReportBatches.PrefetchCount);

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ReplicationLagReportedConsumer> consumerConfigurator, IRegistrationContext context) =>
        NodeReportBatches.Configure(endpointConfigurator, consumerConfigurator);
}
