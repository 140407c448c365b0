using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conjur.EventSourced.Hosting.Topology;

/// <summary>
/// The whole cluster's layout: every address, port and folder of every part. Written once by
/// <c>cluster up</c> into the state folder (<c>cluster.json</c>) and read by every agent and the
/// control plane, so nothing is hard-coded in the parts themselves.
/// </summary>
public sealed record ClusterConfig
{
    public string ClusterId { get; init; } = "local";

    /// <summary>Absolute path of the state folder: data, logs, pid files, credentials.</summary>
    public string StateDir { get; init; } = "";

    public EtcdConfig Etcd { get; init; } = new();
    public RabbitMqConfig RabbitMq { get; init; } = new();
    public ControlPlaneConfig ControlPlane { get; init; } = new();
    public LoadBalancerConfig LoadBalancer { get; init; } = new();
    public FailoverConfig Failover { get; init; } = new();
    public TlsConfig Tls { get; init; } = new();
    public IReadOnlyList<NodeConfig> Nodes { get; init; } = [];

    public string EtcdPrefix => $"/conjur/{ClusterId}/";

    /// <summary>Every etcd member's client URL: https under TLS.</summary>
    public IReadOnlyList<string> EtcdEndpoints => Etcd.Members.Select(m => $"{(Tls.Enabled ? "https" : "http")}://{Etcd.Host}:{m.ClientPort}").ToList();

    /// <summary>Under TLS every listener people and parts connect to is HTTPS (docs/tls.md); off, plain HTTP.</summary>
    [JsonIgnore]
    public string WebScheme => Tls.Enabled ? "https" : "http";

    /// <summary>A node's client API: the Conjur REST API on its HTTP port.</summary>
    public string ApiUrl(NodeConfig node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return $"{WebScheme}://{node.Host}:{node.HttpPort}";
    }

    /// <summary>The load balancer's client front: the master's API, wherever the master is.</summary>
    [JsonIgnore]
    public string LoadBalancerUrl => $"{WebScheme}://{LoadBalancer.Host}:{LoadBalancer.HttpPort}";

    /// <summary>
    /// The load balancer's internal front (TLS only): a TCP passthrough to the master's mutual-TLS listener, for what
    /// nodes send the master (audit batches, forwarded writes), so the master sees the sending agent's own certificate.
    /// </summary>
    [JsonIgnore]
    public string LoadBalancerInternalUrl => $"https://{LoadBalancer.Host}:{LoadBalancer.InternalPort}";

    /// <summary>Where a node sends the master what it sends as a node (audit batches, forwarded writes): the internal front under TLS.</summary>
    [JsonIgnore]
    public string MasterUrlForNodes => Tls.Enabled ? LoadBalancerInternalUrl : LoadBalancerUrl;

    [JsonIgnore]
    public string LoadBalancerStatsUrl => $"{WebScheme}://{LoadBalancer.Host}:{LoadBalancer.StatsPort}/stats";

    [JsonIgnore]
    public string ControlPlaneUrl => $"{WebScheme}://{ControlPlane.Host}:{ControlPlane.HttpPort}";

    public NodeConfig Node(string id) =>
        Nodes.FirstOrDefault(n => n.Id == id)
        ?? throw new ConfigurationException($"node '{id}' is not in the cluster configuration (nodes: {string.Join(", ", Nodes.Select(n => n.Id))})");

    /// <summary>Standbys that take part in automatic failover, in their synchronous priority order.</summary>
    public IReadOnlyList<NodeConfig> FailoverStandbys => Nodes.Where(n => n.Role == NodeRole.Standby && !n.Async).ToList();

    public string NodeDir(string id) => Path.Combine(StateDir, "nodes", id);
    public string SecretsDir => Path.Combine(StateDir, "secrets");
    public string PgPassFile => Path.Combine(SecretsDir, "pgpass");
    public string LogsDir => Path.Combine(StateDir, "logs");
    public string PidsDir => Path.Combine(StateDir, "pids");
    public string ConfigPath => Path.Combine(StateDir, "cluster.json");

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static ClusterConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new ConfigurationException($"cluster configuration not found at {path}: run 'cluster up' first or pass --state");
        }
        ClusterConfig? config;
        bool beforeTls;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            config = doc.Deserialize<ClusterConfig>(Json);
            beforeTls = doc.RootElement.ValueKind == JsonValueKind.Object && !doc.RootElement.TryGetProperty("tls", out _);
        }
        catch (JsonException e)
        {
            throw new ConfigurationException($"cluster configuration {path} is not valid JSON: {e.Message}", e);
        }
        if (config is null)
        {
            throw new ConfigurationException($"cluster configuration {path} is empty");
        }
        // A cluster.json written before TLS has no tls section: that cluster keeps running in plain text, since its etcd
        // members remember http peer URLs and its nodes have no internal port (docs/tls.md says how to move one).
        if (beforeTls)
        {
            config = config with { Tls = config.Tls with { Enabled = false } };
        }
        config.Validate();
        return config;
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, Json));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Rejects a configuration that could never run, with a message naming the field.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(ClusterId) || ClusterId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            errors.Add($"clusterId '{ClusterId}' must be letters, digits, '-' or '_'");
        }
        if (!Path.IsPathRooted(StateDir))
        {
            errors.Add($"stateDir '{StateDir}' must be an absolute path");
        }
        if (Nodes.Count(n => n.Role == NodeRole.Master) != 1)
        {
            errors.Add($"exactly one node must start as master (found {Nodes.Count(n => n.Role == NodeRole.Master)})");
        }
        foreach (var dup in Nodes.GroupBy(n => n.Id).Where(g => g.Count() > 1))
        {
            errors.Add($"node id '{dup.Key}' appears {dup.Count()} times");
        }
        foreach (var n in Nodes)
        {
            if (string.IsNullOrWhiteSpace(n.Id) || n.Id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_')) || !char.IsAsciiLetterLower(n.Id[0]))
            {
                errors.Add($"node id '{n.Id}' must start with a lower-case letter and hold only letters, digits and '_' (it is a Postgres application_name)");
            }
            if (n.Async && n.Role != NodeRole.Standby)
            {
                errors.Add($"node '{n.Id}': only a standby can be async");
            }
        }
        if (Etcd.Members.Count is 0 or 2 || Etcd.Members.Count % 2 == 0)
        {
            errors.Add($"etcd needs an odd number of members (found {Etcd.Members.Count})");
        }
        var ports = AllPorts().GroupBy(p => p.Port).Where(g => g.Count() > 1);
        foreach (var clash in ports)
        {
            errors.Add($"port {clash.Key} is used by {string.Join(" and ", clash.Select(p => p.Owner))}");
        }
        foreach (var p in AllPorts().Where(p => p.Port is <= 0 or > 65535))
        {
            errors.Add($"{p.Owner}: port {p.Port} is out of range");
        }
        if (Failover.LeaseTtlSeconds < 2)
        {
            errors.Add($"failover.leaseTtlSeconds {Failover.LeaseTtlSeconds} is below etcd's minimum of 2");
        }
        if (Failover.HeartbeatIntervalMs is < 100 or > 60_000)
        {
            errors.Add($"failover.heartbeatIntervalMs {Failover.HeartbeatIntervalMs} must be between 100 and 60000");
        }
        errors.AddRange(ControlPlane.Access.Problems());
        errors.AddRange(Tls.Problems());
        if (Tls.Enabled)
        {
            // etcd takes a client certificate's common name as the user when a request brings no token: no part's
            // certificate may be named like an etcd user, or it would act as that user without the password.
            var users = Hosting.Etcd.EtcdAccess.Users(this).Select(u => u.User).Append(Hosting.Etcd.EtcdAccess.RootUser).ToHashSet(StringComparer.Ordinal);
            foreach (var spec in Hosting.Tls.ClusterCertificates.All(this).Where(s => users.Contains(s.CommonName)))
            {
                errors.Add($"the certificate of {spec.Name} would be named like the etcd user '{spec.CommonName}': choose another clusterId or node id");
            }
        }
        if (errors.Count > 0)
        {
            throw new ConfigurationException("invalid cluster configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)));
        }
    }

    public IEnumerable<(string Owner, int Port)> AllPorts()
    {
        foreach (var m in Etcd.Members)
        {
            yield return ($"etcd {m.Name} client", m.ClientPort);
            yield return ($"etcd {m.Name} peer", m.PeerPort);
        }
        yield return ("rabbitmq amqp", RabbitMq.Port);
        yield return ("rabbitmq distribution", RabbitMq.DistPort);
        yield return ("rabbitmq epmd", RabbitMq.EpmdPort);
        yield return ("control plane http", ControlPlane.HttpPort);
        yield return ("control plane postgres", ControlPlane.PostgresPort);
        yield return ("load balancer http", LoadBalancer.HttpPort);
        yield return ("load balancer postgres", LoadBalancer.PostgresPort);
        yield return ("load balancer stats", LoadBalancer.StatsPort);
        if (Tls.Enabled)
        {
            yield return ("load balancer internal", LoadBalancer.InternalPort);
        }
        foreach (var n in Nodes)
        {
            yield return ($"node {n.Id} http", n.HttpPort);
            yield return ($"node {n.Id} postgres", n.PostgresPort);
            if (Tls.Enabled)
            {
                yield return ($"node {n.Id} internal", n.InternalPort);
            }
        }
    }
}
