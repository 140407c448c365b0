using MassTransit;

namespace Conjur.EventSourced.ControlPlane.Heartbeats;

public sealed class NodeHeartbeatConsumerDefinition : ConsumerDefinition<NodeHeartbeatConsumer>
{
    public NodeHeartbeatConsumerDefinition() => Endpoint(e => e.PrefetchCount = NodeReportBatches.PrefetchCount);

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<NodeHeartbeatConsumer> consumerConfigurator, IRegistrationContext context) =>
        NodeReportBatches.Configure(endpointConfigurator, consumerConfigurator);
}
