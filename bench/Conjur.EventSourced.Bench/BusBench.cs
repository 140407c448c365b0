using System.Diagnostics;
using System.Globalization;
using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.ControlPlane.Heartbeats;
using Conjur.EventSourced.Hosting.Messaging;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Conjur.EventSourced.Bench;

/// <summary>
/// <c>bench bus</c>: the bus alone, no store. Separates what RabbitMQ itself moves on this machine from
/// what MassTransit adds, for heartbeat-sized messages: publish N, then drain them with the bare RabbitMQ
/// client (acknowledging a hundred at a time, each in order, each in shuffled order within the prefetch
/// window) and with MassTransit and a consumer that does nothing. RabbitMQ's channel finds a single
/// acknowledgement by walking its unacknowledged deliveries from the oldest, so acknowledgements out of
/// delivery order cost it time in proportion to the window: the shuffled row shows what that costs here.
/// </summary>
public static class BusBench
{
    private enum AckMode { Multiple100, EachInOrder, EachShuffled }

    public static async Task<int> RunAsync(int messages, int prefetch, int batch, int consumers, bool ordered, int basePort, CancellationToken ct)
    {
        await using var services = await BenchServices.StartAsync(basePort, rabbit: true, ct);
        var config = services.Config;
        // As the control plane: its rights cover every name that starts with the cluster id ("bench-").
        var factory = SimulatedAgents.Factory(config, BrokerLogin.ForControlPlane(config), "bench-bus");
        var body = SimulatedAgents.Envelope(Heartbeat("bench", 1), Guid.NewGuid());

        var raw = new List<(AckMode Mode, double Publish, double Drain)>();
        foreach (var mode in Enum.GetValues<AckMode>())
        {
            var (publish, drain) = await RawAsync(factory, body, messages, prefetch, mode, ct);
            raw.Add((mode, publish, drain));
        }
        var (mtPublish, mtDrain) = await MassTransitAsync(config, messages, prefetch, batch, consumers, ordered, ct);

        Console.WriteLine();
        Console.WriteLine($"== the bus alone: {messages:N0} heartbeat-sized messages ({body.Length} bytes), persistent, no publisher confirms, prefetch {prefetch}");
        foreach (var (mode, publish, drain) in raw)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  RabbitMQ client   publish {publish,10:N0}/s   drain {drain,10:N0}/s  (ack {Describe(mode)})"));
        }
        var consumer = ordered ? $"the control plane's NodeReportBatcher with an empty recording, {prefetch} at once, batches of {NodeReportBatches.MessageLimit}"
            : batch <= 1 ? $"empty consumer, {consumers} at once" : $"empty Batch<> consumer, batches of {batch}, {consumers} at once";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  MassTransit       send    {mtPublish,10:N0}/s   drain {mtDrain,10:N0}/s  ({consumer})"));
        return 0;
    }

    private static NodeHeartbeat Heartbeat(string node, long seq) => new()
    {
        ClusterId = "bench", NodeId = node, AgentInstance = Guid.NewGuid(), Sequence = seq, Role = NodeRoles.Standby,
        Healthy = true, PostgresRunning = true, ObservedAt = DateTimeOffset.UtcNow,
    };

    private static string Describe(AckMode mode) => mode switch
    {
        AckMode.Multiple100 => "a hundred at a time",
        AckMode.EachInOrder => "each, in delivery order",
        _ => "each, shuffled within the prefetch window",
    };

    private static async Task<(double Publish, double Drain)> RawAsync(ConnectionFactory factory, byte[] body, int messages, int prefetch, AckMode mode, CancellationToken ct)
    {
        const string queue = "bench-raw";
        await using var connection = await factory.CreateConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: ct);
        // Through an exchange of the same name, as MassTransit sends: the default exchange is nobody's to write to.
        await channel.ExchangeDeclareAsync(queue, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);
        await channel.QueueBindAsync(queue, queue, "", cancellationToken: ct);
        var properties = new BasicProperties { Persistent = true, ContentType = "application/vnd.masstransit+json" };
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < messages; i++)
        {
            await channel.BasicPublishAsync(queue, "", false, properties, body, ct);
        }
        var publish = messages / clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"raw: published {messages:N0} at {publish:N0}/s"));

        await using var consumerChannel = await connection.CreateChannelAsync(cancellationToken: ct);
        await consumerChannel.BasicQosAsync(0, (ushort)prefetch, false, ct);
        var received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(consumerChannel);
        var held = new List<ulong>();
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            received++;
            if (mode == AckMode.EachShuffled)
            {
                held.Add(delivery.DeliveryTag);
                if (held.Count == prefetch || received == messages)
                {
                    foreach (var tag in held.OrderBy(_ => Random.Shared.Next()))
                    {
                        await consumerChannel.BasicAckAsync(tag, multiple: false, ct);
                    }
                    held.Clear();
                }
            }
            else if (mode == AckMode.EachInOrder)
            {
                await consumerChannel.BasicAckAsync(delivery.DeliveryTag, multiple: false, ct);
            }
            else if (received % 100 == 0 || received == messages)
            {
                await consumerChannel.BasicAckAsync(delivery.DeliveryTag, multiple: true, ct);
            }
            if (received == messages)
            {
                done.TrySetResult();
            }
        };
        clock.Restart();
        await consumerChannel.BasicConsumeAsync(queue, autoAck: false, consumer, ct);
        await done.Task.WaitAsync(TimeSpan.FromMinutes(5), ct);
        var drain = messages / clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"raw: drained {messages:N0} at {drain:N0}/s, acknowledging {Describe(mode)}"));
        return (publish, drain);
    }

    private static async Task<(double Publish, double Drain)> MassTransitAsync(Hosting.Topology.ClusterConfig config, int messages, int prefetch, int batch, int consumers, bool ordered, CancellationToken ct)
    {
        // One host (MassTransit's log context is process-wide): send to the queue while nothing consumes it,
        // then connect the consumer and time the drain.
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddMassTransit(bus =>
        {
            bus.DisableUsageTelemetry();
            var login = BrokerLogin.ForControlPlane(config);
            bus.UsingRabbitMq((_, rabbit) => rabbit.Host(config.RabbitMq.Host, (ushort)config.RabbitMq.Port, config.RabbitMq.VirtualHost, h =>
            {
                h.Username(login.User);
                h.Password(login.Password());
                h.PublisherConfirmation = false;
            }));
        });
        using var host = builder.Build();
        await host.StartAsync(ct);
        try
        {
            var sender = await host.Services.GetRequiredService<ISendEndpointProvider>().GetSendEndpoint(new Uri("queue:bench-mt"));
            var clock = Stopwatch.StartNew();
            var inFlight = new List<Task>(4096);
            for (var i = 0; i < messages; i++)
            {
                inFlight.Add(sender.Send(Heartbeat($"n{i % 100}", i), ct));
                if (inFlight.Count == 4096)
                {
                    await Task.WhenAll(inFlight);
                    inFlight.Clear();
                }
            }
            await Task.WhenAll(inFlight);
            var publish = messages / clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MassTransit: sent {messages:N0} at {publish:N0}/s"));

            EmptyBatchConsumer.Reset(messages);
            // --ordered: the control plane's own batcher, in front of a recording that only counts.
            using var batcher = new NodeReportBatcher((reports, _) => EmptyBatchConsumer.Count(reports.Count), NullLogger<NodeReportBatcher>.Instance);
            await batcher.StartAsync(ct);
            var handle = host.Services.GetRequiredService<IReceiveEndpointConnector>().ConnectReceiveEndpoint("bench-mt", (_, e) =>
            {
                if (e is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    rabbit.PrefetchCount = prefetch;
                }
                if (ordered)
                {
                    // As NodeReportBatches.ConfigureEndpoint: as many in consume as prefetched.
                    e.ConcurrentMessageLimit = prefetch;
                    e.Consumer(() => new BatchedConsumer(batcher));
                }
                else if (batch <= 1)
                {
                    e.ConcurrentMessageLimit = consumers;
                    e.Consumer<EmptyConsumer>();
                }
                else
                {
                    e.Consumer<EmptyBatchConsumer>(c => c.Options<BatchOptions>(o => o
                        .SetMessageLimit(batch).SetTimeLimit(TimeSpan.FromMilliseconds(50)).SetConcurrencyLimit(consumers)));
                }
            });
            await handle.Ready.WaitAsync(TimeSpan.FromSeconds(30), ct);
            await EmptyBatchConsumer.AllReceived.WaitAsync(TimeSpan.FromMinutes(5), ct);
            var drain = messages / EmptyBatchConsumer.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MassTransit: drained {messages:N0} at {drain:N0}/s"));
            await handle.StopAsync(ct);
            await batcher.StopAsync(ct);
            return (publish, drain);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>One message at a time (batch 1): MassTransit's receive pipeline without the batch collector.</summary>
    public sealed class EmptyConsumer : IConsumer<NodeHeartbeat>
    {
        public Task Consume(ConsumeContext<NodeHeartbeat> context) => EmptyBatchConsumer.Count(1);
    }

    /// <summary>As the control plane's heartbeat consumer: each message waits for its batch in <see cref="NodeReportBatcher"/>.</summary>
    public sealed class BatchedConsumer(NodeReportBatcher batcher) : IConsumer<NodeHeartbeat>
    {
        public Task Consume(ConsumeContext<NodeHeartbeat> context) => batcher.AddAsync(HeartbeatRecorded.From(context.Message), "heartbeat");
    }

    public sealed class EmptyBatchConsumer : IConsumer<Batch<NodeHeartbeat>>
    {
        private static int _expected;
        private static int _received;
        private static Stopwatch _clock = new();
        private static TaskCompletionSource _all = new();

        public static Task AllReceived => _all.Task;
        public static TimeSpan Elapsed => _clock.Elapsed;

        public static void Reset(int expected)
        {
            _expected = expected;
            _received = 0;
            _clock = new Stopwatch();
            _all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public Task Consume(ConsumeContext<Batch<NodeHeartbeat>> context) => Count(context.Message.Length);

        internal static Task Count(int received)
        {
            if (!_clock.IsRunning)
            {
                _clock.Start();
            }
            if (Interlocked.Add(ref _received, received) >= _expected)
            {
                _clock.Stop();
                _all.TrySetResult();
            }
            return Task.CompletedTask;
        }
    }
}
