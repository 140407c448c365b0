using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace Conjur.EventSourced.Hosting.Messaging;

/// <summary>
/// In front of every consumer of a part: reads the broker-validated AMQP user-id and lets
/// <see cref="SenderCheck"/> judge it against what the message claims. A refused message is acknowledged
/// and dropped (a redelivery would be refused again), counted in <c>conjur.bus.messages_rejected</c>, and
/// logged by type, sender and reason, never by content, at most once per <see cref="LogEvery"/> for each.
/// </summary>
public sealed class SenderCheckFilter<T>(BusMetrics metrics, ILogger log) : IFilter<ConsumeContext<T>>
    where T : class
{
    private static readonly TimeSpan LogEvery = TimeSpan.FromSeconds(10);

    // (sender, reason) -> when it was last logged and how many were dropped since. A flood of forged
    // reports is a counter's job; the log says it is happening and who does it.
    private static readonly ConcurrentDictionary<(string, SenderVerdict), (DateTimeOffset LoggedAt, long Since)> Logged = new();

    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        var sender = context.ReceiveContext.TryGetPayload(out RabbitMqBasicConsumeContext? rabbit) && rabbit.Properties.IsUserIdPresent()
            ? rabbit.Properties.UserId
            : null;
        var (kind, nodeId) = BusSenders.Classify(typeof(T), context.Message);
        var verdict = SenderCheck.Judge(sender, kind, nodeId);
        if (verdict == SenderVerdict.Accepted)
        {
            await next.Send(context);
            return;
        }
        metrics.Rejected(typeof(T).Name, verdict);
        LogThrottled(sender ?? "(none)", verdict);
        // Marked consumed, or MassTransit would move it to the _skipped queue.
        await context.NotifyConsumed(context, TimeSpan.Zero, nameof(SenderCheckFilter<T>));
    }

    private void LogThrottled(string sender, SenderVerdict verdict)
    {
        var now = DateTimeOffset.UtcNow;
        var key = (sender, verdict);
        var entry = Logged.AddOrUpdate(key, _ => (DateTimeOffset.MinValue, 1), (_, e) => (e.LoggedAt, e.Since + 1));
        if (now - entry.LoggedAt < LogEvery || !Logged.TryUpdate(key, (now, 0), entry))
        {
            return;
        }
        log.LogWarning("dropped {MessageType} from broker user {Sender}: {Reason} ({Count} since the last such line)",
            typeof(T).Name, sender, verdict.Label(), entry.Since);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("sender-check");
}

/// <summary>Puts a <see cref="SenderCheckFilter{T}"/> in front of every message type of every consumer and saga it is told about.</summary>
internal sealed class SenderCheckObserver(BusMetrics metrics, ILoggerFactory loggers) : IConsumerConfigurationObserver, ISagaConfigurationObserver
{
    public void ConsumerConfigured<TConsumer>(IConsumerConfigurator<TConsumer> configurator)
        where TConsumer : class
    {
    }

    public void ConsumerMessageConfigured<TConsumer, TMessage>(IConsumerMessageConfigurator<TConsumer, TMessage> configurator)
        where TConsumer : class
        where TMessage : class =>
        configurator.Message(m => m.UseFilter(Filter<TMessage>()));

    public void SagaConfigured<TSaga>(ISagaConfigurator<TSaga> configurator)
        where TSaga : class, ISaga
    {
    }

    public void StateMachineSagaConfigured<TInstance>(ISagaConfigurator<TInstance> configurator, SagaStateMachine<TInstance> stateMachine)
        where TInstance : class, ISaga, SagaStateMachineInstance
    {
    }

    public void SagaMessageConfigured<TSaga, TMessage>(ISagaMessageConfigurator<TSaga, TMessage> configurator)
        where TSaga : class, ISaga
        where TMessage : class =>
        configurator.Message(m => m.UseFilter(Filter<TMessage>()));

    private SenderCheckFilter<TMessage> Filter<TMessage>()
        where TMessage : class =>
        new(metrics, loggers.CreateLogger<SenderCheckFilter<TMessage>>());
}
