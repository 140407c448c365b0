namespace Conjur.EventSourced.Hosting.Topology;

/// <summary>
/// Lays out a cluster on one host from a base port, so tests can run several clusters side by side
/// (each test class takes its own base port) and <c>cluster up</c> has sensible defaults.
/// </summary>
public static class DefaultTopology
{
    public const int DefaultBasePort = 17000;

    /// <summary>Master, sync standby, potential standby and follower: the cluster the README starts.</summary>
    public static readonly IReadOnlyList<(string Id, NodeRole Role, bool Async)> FourNodes =
    [
        ("node1", NodeRole.Master, false),
        ("node2", NodeRole.Standby, false),
        ("node3", NodeRole.Standby, false),
        ("node4", NodeRole.Follower, false),
    ];

    public static ClusterConfig Create(string stateDir, int basePort = DefaultBasePort, string clusterId = "local",
        IReadOnlyList<(string Id, NodeRole Role, bool Async)>? nodes = null)
    {
        nodes ??= FourNodes;
        return new ClusterConfig
        {
            ClusterId = clusterId,
            StateDir = Path.GetFullPath(stateDir),
            Etcd = new EtcdConfig
            {
                Members = Enumerable.Range(0, 3)
                    .Select(i => new EtcdMemberConfig($"etcd{i + 1}", basePort + 10 + (2 * i), basePort + 11 + (2 * i)))
                    .ToList(),
            },
            RabbitMq = new RabbitMqConfig
            {
                Port = basePort + 20,
                DistPort = basePort + 21,
                EpmdPort = basePort + 22,
                NodeName = $"conjur{basePort}@localhost",
            },
            ControlPlane = new ControlPlaneConfig { HttpPort = basePort + 30, PostgresPort = basePort + 31 },
            LoadBalancer = new LoadBalancerConfig { HttpPort = basePort + 40, PostgresPort = basePort + 41, StatsPort = basePort + 42, InternalPort = basePort + 43 },
            Tls = new TlsConfig { Enabled = TlsWanted() },
            Nodes = nodes.Select((n, i) => new NodeConfig
            {
                Id = n.Id,
                Role = n.Role,
                Async = n.Async,
                HttpPort = basePort + 100 + (10 * i),
                PostgresPort = basePort + 101 + (10 * i),
                InternalPort = basePort + 102 + (10 * i),
            }).ToList(),
        };
    }

    /// <summary><c>CONJUR_TLS=off</c> makes a new cluster talk in plain text (debugging only); an existing one keeps its <c>tls.enabled</c>.</summary>
    public static bool TlsWanted() =>
        Environment.GetEnvironmentVariable("CONJUR_TLS") is not { } value || !value.Equals("off", StringComparison.OrdinalIgnoreCase);
}
