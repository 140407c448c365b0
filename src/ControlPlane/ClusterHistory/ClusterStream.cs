namespace Conjur.EventSourced.ControlPlane.ClusterHistory;

/// <summary>The cluster's own stream: facts about the cluster as a whole rather than one node or one failover.</summary>
public static class ClusterStream
{
    public static string Key(string clusterId) => $"{clusterId}/cluster";
}
