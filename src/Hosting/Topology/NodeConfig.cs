namespace Conjur.EventSourced.Hosting.Topology;

/// <summary>One Conjur node: its agent's HTTP API and its own Postgres.</summary>
public sealed record NodeConfig
{
    public string Id { get; init; } = "";

    /// <summary>The role the node starts with. After a failover etcd's <c>members/</c> keys are the truth, not this.</summary>
    public NodeRole Role { get; init; }

    /// <summary>An asynchronous standby outside the automatic failover set (another data centre): it streams through the load balancer.</summary>
    public bool Async { get; init; }

    public string Host { get; init; } = "127.0.0.1";
    public int HttpPort { get; init; }
    public int PostgresPort { get; init; }

    /// <summary>The agent's mutual-TLS listener for the cluster's own traffic (the load balancer's health checks, audit shipping, forwarded writes): a certificate of the cluster CA required.</summary>
    public int InternalPort { get; init; }

    public string InternalApiUrl => $"https://{Host}:{InternalPort}";

    /// <summary>Whether this node streams from the master directly (failover set) or through the load balancer.</summary>
    public bool StreamsThroughLoadBalancer => Role == NodeRole.Follower || (Role == NodeRole.Standby && Async);
}
