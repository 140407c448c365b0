namespace Conjur.EventSourced.Hosting.Topology;

public sealed record EtcdConfig
{
    public string Host { get; init; } = "127.0.0.1";
    public IReadOnlyList<EtcdMemberConfig> Members { get; init; } = [];
}

public sealed record EtcdMemberConfig(string Name, int ClientPort, int PeerPort);

public sealed record RabbitMqConfig
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; }
    public int DistPort { get; init; }
    public int EpmdPort { get; init; }
    public string VirtualHost { get; init; } = "conjur";

    /// <summary>The Erlang node name; unique per cluster so test clusters never meet.</summary>
    public string NodeName { get; init; } = "conjur@localhost";
}

public sealed record ControlPlaneConfig
{
    public string Host { get; init; } = "127.0.0.1";
    public int HttpPort { get; init; }
    public int PostgresPort { get; init; }

    /// <summary>Who may call the control plane's HTTP API (docs/failover.md#operator-api-access).</summary>
    public ApiAccessConfig Access { get; init; } = new();
}

public sealed record LoadBalancerConfig
{
    public string Host { get; init; } = "127.0.0.1";
    public int HttpPort { get; init; }
    public int PostgresPort { get; init; }
    public int StatsPort { get; init; }

    /// <summary>The internal front's port (TLS only): see <see cref="ClusterConfig.LoadBalancerInternalUrl"/>.</summary>
    public int InternalPort { get; init; }
}

public sealed record FailoverConfig
{
    /// <summary>TTL of the master's leader lease: the dead-man's switch. etcd's minimum is 2 s.</summary>
    public int LeaseTtlSeconds { get; init; } = 3;

    /// <summary>How often each agent runs its cycle and heartbeats.</summary>
    public int HeartbeatIntervalMs { get; init; } = 1000;

    /// <summary>
    /// How long an agent waits before restarting its crashed Postgres. On a master this is also the time a
    /// failover has to promote someone else: a master whose Postgres crashed comes back only if, by then,
    /// nobody holds the promotion lock and it is still a member (a blocked failover).
    /// </summary>
    public int PostgresRestartDelayMs { get; init; } = 5000;

    /// <summary>How long, after the leader is lost, a standby waits for the others to report their final positions before deciding.</summary>
    public int DecisionWaitMs { get; init; } = 1500;

    /// <summary>
    /// How long the winner of the promotion lock waits for the failover saga's <c>PromoteStandby</c>
    /// before it promotes itself (etcd still decides: the same transaction, under the lock it holds).
    /// A control plane that is down, or slow on its first failover, then costs at most this much: a warm
    /// control plane's command arrives 100-250 ms after the lock here, a cold one's (its first saga) 0.6-3.6 s.
    /// 0 or less: never; the winner waits for the saga for as long as it holds the lock.
    /// </summary>
    public int SelfPromoteAfterMs { get; init; } = 300;
}
