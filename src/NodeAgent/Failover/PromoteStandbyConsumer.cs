using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.Hosting.Topology;
using MassTransit;

namespace Conjur.EventSourced.NodeAgent.Failover;

/// <summary>Thin: checks the command is for this node, lets <see cref="Promotion"/> do the work, publishes the answer.</summary>
public sealed class PromoteStandbyConsumer(NodeConfig node, ClusterConfig config, Promotion work, ILogger<PromoteStandbyConsumer> log) : IConsumer<PromoteStandby>
{
    public async Task Consume(ConsumeContext<PromoteStandby> context)
    {
        var command = context.Message;
        if (command.ClusterId != config.ClusterId || command.NodeId != node.Id)
        {
            log.LogWarning("ignored PromoteStandby for {Cluster}/{Node}: this agent is {OwnCluster}/{OwnNode}",
                command.ClusterId, command.NodeId, config.ClusterId, node.Id);
            return;
        }
        log.LogInformation("received {Command} (sent {Ms:0} ms ago)", "PromoteStandby",
            context.SentTime is { } sent ? (DateTime.UtcNow - sent).TotalMilliseconds : double.NaN);
        var answer = await work.PromoteAsync(command, context.CancellationToken);
        await context.Publish(answer, answer.GetType(), context.CancellationToken);
    }
}
