using System.Text.Json;

namespace Conjur.EventSourced.Hosting.Cluster;

/// <summary>What a node's /health said: the status code, its role and whether the node itself is well.</summary>
public sealed record NodeHealth(int StatusCode, string? Role, bool Healthy, long? ReplicationLagBytes, JsonElement? Body, string? Error)
{
    public static NodeHealth From(int status, JsonElement body)
    {
        var role = body.TryGetProperty("role", out var r) ? r.GetString() : null;
        var healthy = body.TryGetProperty("services", out var s) && s.TryGetProperty("ok", out var ok) && ok.GetBoolean();
        long? lag = null;
        if (body.TryGetProperty("database", out var db) && db.TryGetProperty("replication_status", out var rs)
            && rs.TryGetProperty("replication_lag_bytes", out var l) && l.ValueKind == JsonValueKind.Number)
        {
            lag = l.GetInt64();
        }
        return new NodeHealth(status, role, healthy, lag, body.Clone(), null);
    }

    public static NodeHealth Unreachable(string error) => new(0, null, false, null, null, error);
}
