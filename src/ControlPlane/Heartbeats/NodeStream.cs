namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>
/// Stream keys of node streams. The cluster id is part of the key so that two clusters sharing one
/// control-plane database never write into each other's streams.
/// </summary>
public static class NodeStream
{
    public static string Key(string clusterId, string nodeId) => $"{clusterId}/node/{nodeId}";
}
