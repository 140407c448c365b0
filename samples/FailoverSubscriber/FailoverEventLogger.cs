using Conjur.EventSourced.Contracts.Failover;
using MassTransit;

namespace Conjur.EventSourced.FailoverSubscriber;

/// <summary>
/// One line per failover event. Delivery is at least once: a subscriber that acts (pages someone,
/// updates a ticket) keys on (FailoverId, event type[, node]) and ignores what it has already seen;
/// this one only logs, so a duplicate is a repeated line.
/// </summary>
public sealed class FailoverEventLogger :
    IConsumer<FailoverStarted>,
    IConsumer<MasterPromoted>,
    IConsumer<StandbyRebased>,
    IConsumer<FailoverCompleted>,
    IConsumer<FailoverBlocked>,
    IConsumer<FailoverFailed>
{
    public Task Consume(ConsumeContext<FailoverStarted> context) =>
        Log(context.Message.ClusterId, context.Message.FailoverId,
            $"started {context.Message.Kind}: {context.Message.FormerMaster} -> {context.Message.Candidate}");

    public Task Consume(ConsumeContext<MasterPromoted> context) =>
        Log(context.Message.ClusterId, context.Message.FailoverId,
            $"promoted {context.Message.NodeId} (timeline {context.Message.Timeline}, was {context.Message.FormerMaster})");

    public Task Consume(ConsumeContext<StandbyRebased> context) =>
        Log(context.Message.ClusterId, context.Message.FailoverId,
            $"rebased {context.Message.NodeId} onto {context.Message.NewMaster} ({context.Message.Method})");

    public Task Consume(ConsumeContext<FailoverCompleted> context) =>
        Log(context.Message.ClusterId, context.Message.FailoverId,
            $"completed {context.Message.Kind}: master {context.Message.NewMaster}, rebased [{string.Join(", ", context.Message.Rebased)}] " +
            $"in {(context.Message.CompletedAt - context.Message.StartedAt).TotalMilliseconds:0} ms");

    public Task Consume(ConsumeContext<FailoverBlocked> context) =>
        Log(context.Message.ClusterId, context.Message.FailoverId,
            $"blocked (seen by {context.Message.ObservedBy}): {context.Message.Reason}");

    public Task Consume(ConsumeContext<FailoverFailed> context) =>
        Log(context.Message.ClusterId, context.Message.FailoverId,
            $"FAILED at {context.Message.Step}: {context.Message.Reason}");

    private static Task Log(string cluster, Guid failoverId, string what) =>
        Console.Out.WriteLineAsync($"{DateTimeOffset.UtcNow:O} {cluster} {failoverId} {what}");
}
