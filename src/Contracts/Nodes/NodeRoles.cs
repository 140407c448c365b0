namespace Conjur.EventSourced.Contracts.Nodes;

/// <summary>The role names on the wire: Conjur's words.</summary>
public static class NodeRoles
{
    public const string Master = "master";
    public const string Standby = "standby";
    public const string Follower = "follower";
}
