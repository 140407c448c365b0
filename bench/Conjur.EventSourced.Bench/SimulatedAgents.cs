using System.Text.Json;
using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;
using RabbitMQ.Client;

namespace Conjur.EventSourced.Bench;

/// <summary>
/// The ingest benchmark's load: heartbeats as agents put them on the wire (MassTransit's JSON envelope,
/// not persistent (see the agent's HeartbeatPublisher), on the message type's exchange), written with the bare RabbitMQ client on a connection of
/// its own. A MassTransit publisher in the benchmark's process shared its thread pool and connection with
/// the consumers under test and reached only 900-2,600 heartbeats/s, so it measured itself.
/// </summary>
public sealed class SimulatedAgents : IAsyncDisposable
{
    private const string Exchange = "Conjur.EventSourced.Contracts.Nodes:NodeHeartbeat";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] MessageType = [$"urn:message:{Exchange}"];
    private readonly IConnection _connection;
    private readonly IChannel _channel;

    private SimulatedAgents(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    /// <summary>The bare RabbitMQ client's way to the cluster's broker.</summary>
    public static ConnectionFactory Factory(ClusterConfig config, string name) => new()
    {
        HostName = config.RabbitMq.Host, Port = config.RabbitMq.Port, VirtualHost = config.RabbitMq.VirtualHost,
        UserName = config.RabbitMq.User, Password = config.RabbitMqPassword(), ClientProvidedName = name,
    };

    /// <summary>A heartbeat in MassTransit's JSON envelope, as an agent's bus puts it on the wire.</summary>
    public static byte[] Envelope(NodeHeartbeat heartbeat, Guid messageId) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        messageId,
        messageType = MessageType,
        message = heartbeat,
        sentTime = DateTime.UtcNow,
        headers = new { },
    }, Json);

    public static async Task<SimulatedAgents> ConnectAsync(ClusterConfig config, CancellationToken ct)
    {
        var connection = await Factory(config, "simulated-agents").CreateConnectionAsync(ct);
        var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        return new SimulatedAgents(connection, channel);
    }

    public async ValueTask PublishAsync(NodeHeartbeat heartbeat, CancellationToken ct)
    {
        var messageId = Guid.NewGuid();
        var body = Envelope(heartbeat, messageId);
        var properties = new BasicProperties
        {
            Persistent = false, ContentType = "application/vnd.masstransit+json", MessageId = messageId.ToString(),
        };
        await _channel.BasicPublishAsync(Exchange, "", false, properties, body, ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
