using System.Text.Json;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Etcd;

/// <summary>
/// The value of <c>switchover</c>: a master that shut down cleanly at <see cref="Position"/> hands over
/// to <see cref="Target"/>, the only standby that may race for the promotion lock in this failover.
/// </summary>
public sealed record SwitchoverRecord(Guid FailoverId, string From, string Target, long Position)
{
    public string ToJson() => JsonSerializer.Serialize(this, ClusterConfig.Json);

    public static SwitchoverRecord? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<SwitchoverRecord>(json, ClusterConfig.Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
