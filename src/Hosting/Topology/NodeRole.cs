namespace Conjur.EventSourced.Hosting.Topology;

/// <summary>Conjur's words for what a node does.</summary>
public enum NodeRole
{
    Master,
    Standby,
    Follower,
}
