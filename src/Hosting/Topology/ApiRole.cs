namespace Conjur.EventSourced.Hosting.Topology;

/// <summary>What a credential of the control plane's API may do.</summary>
public enum ApiRole
{
    /// <summary>Read routes only: the cluster view, events, failovers, the dashboard's stream, metrics.</summary>
    Viewer,

    /// <summary>Everything a viewer may, and every route that changes state (switchover, promote, re-enrol, retention, rebuild).</summary>
    Operator,
}
