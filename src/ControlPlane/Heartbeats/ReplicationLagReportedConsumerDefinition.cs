using MassTransit;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

public sealed class ReplicationLagReportedConsumerDefinition : ConsumerDefinition<ReplicationLagReportedConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ReplicationLagReportedConsumer> consumerConfigurator, IRegistrationContext context) =>
        NodeReportBatches.ConfigureEndpoint(endpointConfigurator);
}
