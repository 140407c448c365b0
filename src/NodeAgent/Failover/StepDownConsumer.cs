using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.Hosting.Topology;
using MassTransit;

namespace Conjur.EventSourced.NodeAgent.Failover;

/// <summary>Thin: checks the command is for this node, lets <see cref="StepDownHandler"/> do the work, publishes the answer.</summary>
public sealed class StepDownConsumer(NodeConfig node, ClusterConfig config, StepDownHandler work, ILogger<StepDownConsumer> log) : IConsumer<StepDown>
{
    public async Task Consume(ConsumeContext<StepDown> context)
    {
        var command = context.Message;
        if (command.ClusterId != config.ClusterId || command.NodeId != node.Id)
        {
            log.LogWarning("ignored StepDown for {Cluster}/{Node}: this agent is {OwnCluster}/{OwnNode}",
                command.ClusterId, command.NodeId, config.ClusterId, node.Id);
            return;
        }
        log.LogInformation("received {Command} (sent {Ms:0} ms ago)", "StepDown",
            context.SentTime is { } sent ? (DateTime.UtcNow - sent).TotalMilliseconds : double.NaN);
        var answer = await work.StepDownAsync(command, context.CancellationToken);
        await context.Publish(answer, answer.GetType(), context.CancellationToken);
    }
}
