using System.Text.Json;
using Conjur.EventSourced.Contracts.Nodes;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Services;
using Conjur.EventSourced.Hosting.Topology;
using RabbitMQ.Client;

namespace Conjur.EventSourced.Bench;

/// <summary>
/// The ingest benchmark's load: heartbeats as agents put them on the wire (MassTransit's JSON envelope,
/// not persistent (see the agent's HeartbeatPublisher), on the message type's exchange), written with the bare RabbitMQ client
/// on a connection of its own. A MassTransit publisher in the benchmark's process shared its thread pool and connection
/// with the consumers under test and reached only 900-2,600 heartbeats/s, so it measured itself.
/// <para>
/// Each heartbeat carries its simulated node's agent user in the user-id (<c>agent-sim001</c>, ...), so the control
/// plane's sender check judges it as it judges a real agent's. The connection stays one: a hundred connections
/// publishing 100 heartbeats/s each (a load no cluster makes: an agent publishes two reports a second) took RabbitMQ's
/// time from the consumers under test (3,400 appended/s against 8,100 on one connection, the same afternoon), so the
/// benchmark would have measured the load generator. It logs in as a user made only on the benchmark's throwaway broker,
/// with RabbitMQ's <c>impersonator</c> tag (it may stamp any user-id) and the right to write to the heartbeat exchange only.
/// </para>
/// </summary>
public sealed class SimulatedAgents : IAsyncDisposable
{
    private const string Exchange = "Conjur.EventSourced.Contracts.Nodes:NodeHeartbeat";
    private const string User = "bench-simulated-agents";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] MessageType = [$"urn:message:{Exchange}"];
    private readonly IConnection _connection;
    private readonly IChannel _channel;

    private SimulatedAgents(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    /// <summary>The bare RabbitMQ client's way to the cluster's broker, as <paramref name="login"/>.</summary>
    public static ConnectionFactory Factory(ClusterConfig config, BrokerLogin login, string name) => BrokerTls.Factory(config, login, name);

    /// <summary>The simulated agents' own user, with a password: the benches' throwaway broker runs without TLS (<see cref="BenchServices"/>).</summary>
    private static ConnectionFactory Factory(ClusterConfig config, string user, string password, string name) => new()
    {
        HostName = config.RabbitMq.Host, Port = config.RabbitMq.Port, VirtualHost = config.RabbitMq.VirtualHost,
        UserName = user, Password = password, ClientProvidedName = name,
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

    /// <summary>Makes the simulated agents' user on the throwaway broker (its password only in memory), and connects as it.</summary>
    public static async Task<SimulatedAgents> ConnectAsync(ClusterConfig config, CancellationToken ct)
    {
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        var definitions = new JsonObject
        {
            ["users"] = new JsonArray(new JsonObject
            {
                ["name"] = User,
                ["password_hash"] = RabbitMqDefinitions.PasswordHash(password, RandomNumberGenerator.GetBytes(4)),
                ["hashing_algorithm"] = "rabbit_password_hashing_sha256",
                ["tags"] = new JsonArray(BrokerPermissions.Impersonator),
            }),
            ["permissions"] = new JsonArray(new JsonObject
            {
                ["user"] = User, ["vhost"] = config.RabbitMq.VirtualHost,
                ["configure"] = "^$", ["write"] = $"^{Regex.Escape(Exchange)}$", ["read"] = "^$",
            }),
        };
        (await new RabbitMqLauncher(config).CtlAsync(["import_definitions"], TimeSpan.FromSeconds(60), ct, stdin: definitions.ToJsonString()))
            .ThrowOnFailure();
        var connection = await Factory(config, User, password, "simulated-agents").CreateConnectionAsync(ct);
        return new SimulatedAgents(connection, await connection.CreateChannelAsync(cancellationToken: ct));
    }

    public async ValueTask PublishAsync(NodeHeartbeat heartbeat, CancellationToken ct)
    {
        var messageId = Guid.NewGuid();
        var body = Envelope(heartbeat, messageId);
        var properties = new BasicProperties
        {
            Persistent = false, ContentType = "application/vnd.masstransit+json", MessageId = messageId.ToString(),
            UserId = BrokerUsers.Agent(heartbeat.NodeId),
        };
        await _channel.BasicPublishAsync(Exchange, "", false, properties, body, ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
