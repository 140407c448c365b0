namespace Conjur.EventSourced.Cli.Drill;

/// <summary>Why a write through the load balancer was not acknowledged.</summary>
public enum WriteErrorClass
{
    /// <summary>SQLSTATE 25006: the write reached a node that is not the master (misrouted).</summary>
    ReadOnly,

    /// <summary>Nobody accepted the connection (no master behind the load balancer, or a node starting up or shutting down).</summary>
    Refused,

    /// <summary>An open connection was cut (node died, load balancer shut the session down, server terminated it).</summary>
    Reset,

    /// <summary>Connecting or committing took longer than the bound (a hung master, or a commit waiting for a synchronous standby).</summary>
    Timeout,

    /// <summary>Anything else: read the message.</summary>
    Other,
}
