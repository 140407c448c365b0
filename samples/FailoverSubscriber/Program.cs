using Conjur.EventSourced.FailoverSubscriber;
using MassTransit;

// Usage: RABBITMQ_PASSWORD="$(cat .cluster/secrets/subscriber/rabbitmq.pw)" FailoverSubscriber [amqp://subscriber@127.0.0.1:17020/conjur]
// The cluster's read-only broker user 'subscriber' may read only its own queues ('subscriber-...'): 'cluster up'
// declares 'subscriber-failover-events' and binds it to every integration event (docs/events.md). The password
// comes from RABBITMQ_PASSWORD (or the URI), so it stays out of process lists.
var uri = new Uri(args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("RABBITMQ_URI") ?? "amqp://subscriber@127.0.0.1:17020/conjur");
const string queue = "subscriber-failover-events";
var userInfo = uri.UserInfo.Split(':', 2);
var password = userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : Environment.GetEnvironmentVariable("RABBITMQ_PASSWORD") ?? "";
var virtualHost = uri.AbsolutePath.Trim('/') is { Length: > 0 } vhost ? Uri.UnescapeDataString(vhost) : "/";

var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
{
    rabbit.Host(uri.Host, (ushort)(uri.IsDefaultPort ? 5672 : uri.Port), virtualHost, host =>
    {
        host.Username(Uri.UnescapeDataString(userInfo[0]));
        host.Password(password);
    });
    // Its own durable queue: events published while the subscriber is down wait for it (the newest 10,000).
    rabbit.ReceiveEndpoint(queue, e =>
    {
        // The launcher bound the event exchanges to it; binding them here would mean declaring them, which a
        // read-only user may not do.
        e.ConfigureConsumeTopology = false;
        e.Consumer<FailoverEventLogger>();
    });
});

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
await bus.StartAsync(stop.Token);
await Console.Out.WriteLineAsync($"listening on queue '{queue}' at {uri.Host}:{uri.Port}{uri.AbsolutePath}; Ctrl+C to stop");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    // Ctrl+C.
}
await bus.StopAsync(CancellationToken.None);
