namespace Conjur.EventSourced.ControlPlane.Failover.History;

/// <summary>Stream keys of failover streams: one stream per saga, the cluster id first like every other stream key.</summary>
public static class FailoverStream
{
    public static string Key(string clusterId, Guid failoverId) => $"{clusterId}/failover/{failoverId}";
}
