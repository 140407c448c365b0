using MassTransit;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

public sealed class NodeHeartbeatConsumerDefinition : ConsumerDefinition<NodeHeartbeatConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<NodeHeartbeatConsumer> consumerConfigurator, IRegistrationContext context) =>
        NodeReportBatches.ConfigureEndpoint(endpointConfigurator);
}
