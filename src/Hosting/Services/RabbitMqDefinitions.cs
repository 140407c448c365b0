using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Services;

/// <summary>
/// The broker's users, permissions and prepared topology as a RabbitMQ definitions document: loaded by the
/// node at every boot (<c>load_definitions</c>), and imported into a running node by the launcher. A node
/// that loads definitions at boot creates no default user, so <c>guest</c> never exists on a new node.
/// Passwords appear only as salted SHA-256 hashes, RabbitMQ's own scheme.
/// </summary>
public static class RabbitMqDefinitions
{
    /// <summary>Keeps a subscriber that never runs from growing its queue without bound: the oldest events go first.</summary>
    public const int SubscriberQueueMaxLength = 10_000;

    public static string Json(ClusterConfig config)
    {
        var vhost = config.RabbitMq.VirtualHost;
        var logins = BrokerLogin.All(config);
        var permissions = BrokerPermissions.All(config);
        var topology = PreparedTopology.For(config);
        var document = new JsonObject
        {
            ["users"] = new JsonArray([.. logins.Zip(permissions, (login, p) => (JsonNode)new JsonObject
            {
                ["name"] = login.User,
                ["password_hash"] = PasswordHash(login.EnsurePassword(), RandomNumberGenerator.GetBytes(4)),
                ["hashing_algorithm"] = "rabbit_password_hashing_sha256",
                ["tags"] = new JsonArray([.. p.Tags.Select(t => (JsonNode)JsonValue.Create(t))]),
            })]),
            ["vhosts"] = new JsonArray(new JsonObject { ["name"] = vhost }),
            ["permissions"] = new JsonArray([.. permissions.Select(p => (JsonNode)new JsonObject
            {
                ["user"] = p.User,
                ["vhost"] = vhost,
                ["configure"] = p.Configure,
                ["write"] = p.Write,
                ["read"] = p.Read,
            })]),
            ["policies"] = new JsonArray(new JsonObject
            {
                ["vhost"] = vhost,
                ["name"] = "subscriber-queues-bounded",
                ["pattern"] = "^" + BrokerPermissions.SubscriberPrefix,
                ["apply-to"] = "queues",
                ["priority"] = 0,
                ["definition"] = new JsonObject { ["max-length"] = SubscriberQueueMaxLength },
            }),
            ["exchanges"] = new JsonArray([.. topology.Exchanges.Select(name => (JsonNode)new JsonObject
            {
                ["name"] = name,
                ["vhost"] = vhost,
                ["type"] = "fanout",
                ["durable"] = true,
                ["auto_delete"] = false,
                ["internal"] = false,
                ["arguments"] = new JsonObject(),
            })]),
            ["queues"] = new JsonArray([.. topology.Queues.Select(name => (JsonNode)new JsonObject
            {
                ["name"] = name,
                ["vhost"] = vhost,
                ["durable"] = true,
                ["auto_delete"] = false,
                ["arguments"] = new JsonObject(),
            })]),
            ["bindings"] = new JsonArray([.. topology.Bindings.Select(b => (JsonNode)new JsonObject
            {
                ["source"] = b.Source,
                ["vhost"] = vhost,
                ["destination"] = b.Destination,
                ["destination_type"] = b.ToQueue ? "queue" : "exchange",
                ["routing_key"] = "",
                ["arguments"] = new JsonObject(),
            })]),
        };
        return document.ToJsonString();
    }

    /// <summary>
    /// The users of <paramref name="previousJson"/> (the definitions the broker has now) whose password file no
    /// longer matches the hash there: their open connections still run on the old password until closed.
    /// </summary>
    public static IReadOnlyList<string> ChangedPasswords(string previousJson, ClusterConfig config)
    {
        using var previous = JsonDocument.Parse(previousJson);
        var hashes = previous.RootElement.GetProperty("users").EnumerateArray()
            .ToDictionary(u => u.GetProperty("name").GetString() ?? "", u => u.GetProperty("password_hash").GetString() ?? "");
        return [.. BrokerLogin.All(config)
            .Where(l => hashes.TryGetValue(l.User, out var hash) && !Matches(hash, l.EnsurePassword()))
            .Select(l => l.User)];
    }

    private static bool Matches(string hash, string password)
    {
        var bytes = Convert.FromBase64String(hash);
        return bytes.Length > 4 && PasswordHash(password, bytes[..4]) == hash;
    }

    /// <summary>RabbitMQ's <c>rabbit_password_hashing_sha256</c>: base64(salt + SHA-256(salt + UTF-8 password)), with a 4-byte salt.</summary>
    public static string PasswordHash(string password, byte[] salt)
    {
        var salted = salt.Concat(Encoding.UTF8.GetBytes(password)).ToArray();
        return Convert.ToBase64String([.. salt, .. SHA256.HashData(salted)]);
    }
}
