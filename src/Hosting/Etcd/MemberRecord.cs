using System.Text.Json;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Etcd;

/// <summary>The value of <c>members/{node}</c>: the node's place in the cluster configuration.</summary>
public sealed record MemberRecord(string Role, bool Async, string Host, int HttpPort, int PostgresPort)
{
    public static MemberRecord From(NodeConfig n) =>
        new(n.Role.ToString().ToLowerInvariant(), n.Async, n.Host, n.HttpPort, n.PostgresPort);

    public string ToJson() => JsonSerializer.Serialize(this, ClusterConfig.Json);

    public static MemberRecord? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<MemberRecord>(json, ClusterConfig.Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
