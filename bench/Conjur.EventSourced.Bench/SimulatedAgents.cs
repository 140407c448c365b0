using System.Text.Json;
using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Topology;
using RabbitMQ.Client;

namespace Conjur.EventSourced.Bench;

/// <summary>
/// The ingest benchmark's load: heartbeats as agents put them on the wire (MassTransit's JSON envelope,
/// not persistent (see the agent's HeartbeatPublisher), on the message type's exchange), written with the bare RabbitMQ client.
/// Each simulated agent logs in as its own broker user (<c>agent-sim001</c>, ...) on a connection of its own and
/// stamps that user in the user-id, as a real agent does, so the control plane's sender check passes each
/// report the way it passes a real one. A MassTransit publisher in the benchmark's process shared its thread pool
/// and connection with the consumers under test and reached only 900-2,600 heartbeats/s, so it measured itself.
/// </summary>
public sealed class SimulatedAgents : IAsyncDisposable
{
    private const string Exchange = "Conjur.EventSourced.Contracts.Nodes:NodeHeartbeat";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] MessageType = [$"urn:message:{Exchange}"];
    private readonly IReadOnlyList<(IConnection Connection, IChannel Channel, string User)> _agents;

    private SimulatedAgents(IReadOnlyList<(IConnection, IChannel, string)> agents) => _agents = agents;

    /// <summary>The simulated nodes' ids: the benchmark's cluster configuration lists them, so the launcher makes their broker users.</summary>
    public static IReadOnlyList<string> NodeIds(int count) => [.. Enumerable.Range(1, count).Select(i => $"sim{i:000}")];

    /// <summary>The bare RabbitMQ client's way to the cluster's broker, as <paramref name="login"/>.</summary>
    public static ConnectionFactory Factory(ClusterConfig config, BrokerLogin login, string name) => new()
    {
        HostName = config.RabbitMq.Host, Port = config.RabbitMq.Port, VirtualHost = config.RabbitMq.VirtualHost,
        UserName = login.User, Password = login.Password(), ClientProvidedName = name,
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

    /// <summary>One connection and channel per simulated node, each logged in as that node's agent.</summary>
    public static async Task<SimulatedAgents> ConnectAsync(ClusterConfig config, IReadOnlyList<string> nodeIds, CancellationToken ct)
    {
        var agents = new List<(IConnection, IChannel, string)>(nodeIds.Count);
        foreach (var node in nodeIds)
        {
            var login = BrokerLogin.ForAgent(config, node);
            var connection = await Factory(config, login, $"simulated-{node}").CreateConnectionAsync(ct);
            agents.Add((connection, await connection.CreateChannelAsync(cancellationToken: ct), login.User));
        }
        return new SimulatedAgents(agents);
    }

    /// <summary>Publishes as the <paramref name="agent"/>-th simulated node (the heartbeat must name that node).</summary>
    public async ValueTask PublishAsync(int agent, NodeHeartbeat heartbeat, CancellationToken ct)
    {
        var (_, channel, user) = _agents[agent];
        var messageId = Guid.NewGuid();
        var body = Envelope(heartbeat, messageId);
        var properties = new BasicProperties
        {
            Persistent = false, ContentType = "application/vnd.masstransit+json", MessageId = messageId.ToString(), UserId = user,
        };
        await channel.BasicPublishAsync(Exchange, "", false, properties, body, ct);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (connection, channel, _) in _agents)
        {
            await channel.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
