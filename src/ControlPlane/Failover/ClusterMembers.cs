namespace Conjur.EventSourced.ControlPlane.Failover;

/// <summary>
/// What the control plane's projection says about the cluster when a switchover or forced promotion
/// starts. Only used to address commands: the agents check every safety rule again in etcd.
/// </summary>
/// <param name="Master">The healthy master of the cluster view; null when there is none.</param>
/// <param name="LastKnownMaster">The healthy master, else the node that last reported itself master (a dead one).</param>
/// <param name="Nodes">Every node the configuration or the projection knows.</param>
/// <param name="Fenced">Nodes whose last report says fenced (removed from the members by a failover).</param>
/// <param name="Roles">Each node's last reported role (master, standby, follower), where it reported one.</param>
public sealed record ClusterMembers(string? Master, string? LastKnownMaster, IReadOnlyList<string> Nodes,
    IReadOnlyCollection<string>? Fenced = null, IReadOnlyDictionary<string, string>? Roles = null);
