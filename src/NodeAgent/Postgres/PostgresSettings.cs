using System.Globalization;
using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Postgres;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.NodeAgent.Postgres;

/// <summary>
/// The Postgres settings a node runs with, as a pure function of its role and upstream, so the
/// choice (synchronous standby names, where a replica streams from) can be tested without a server.
/// </summary>
public static class PostgresSettings
{
    /// <summary>Conjur's 'sync' and 'potential': the first failover standby that is connected is synchronous, the next one waits its turn.</summary>
    public static string SynchronousStandbyNames(IReadOnlyList<string> candidates) =>
        candidates.Count == 0 ? "" : $"FIRST 1 ({string.Join(", ", candidates)})";

    public static string SynchronousStandbyNames(ClusterConfig config, string masterId) =>
        SynchronousStandbyNames(SynchronousCandidates(config, masterId));

    /// <summary>The failover set less the master, in priority order: the standbys a master expects to stream synchronously.</summary>
    public static IReadOnlyList<string> SynchronousCandidates(ClusterConfig config, string masterId) =>
        config.FailoverStandbys.Where(n => n.Id != masterId).Select(n => n.Id)
            .Concat(config.Nodes.Where(n => n.Role == NodeRole.Master && n.Id != masterId).Select(n => n.Id))
            .ToList();

    /// <summary>
    /// The same, from etcd's membership once the cluster runs: after a failover the old master is no
    /// longer a member (it is named again only once re-enrolled as a standby), and the order follows the
    /// configuration so 'sync' and 'potential' stay predictable.
    /// </summary>
    public static IReadOnlyList<string> SynchronousCandidates(ClusterConfig config, string masterId, IReadOnlyDictionary<string, MemberRecord> members)
    {
        var order = config.Nodes.Select((n, i) => (n.Id, i)).ToDictionary(x => x.Id, x => x.i);
        return members
            .Where(m => m.Key != masterId && m.Value.Role == NodeRoles.Standby && !m.Value.Async)
            .Select(m => m.Key)
            .OrderBy(id => order.GetValueOrDefault(id, int.MaxValue)).ThenBy(id => id, StringComparer.Ordinal)
            .ToList();
    }

    public static Dictionary<string, string> Common(ClusterConfig config, NodeConfig node, string dataDir, string logFile) =>
        config.Tls.Enabled ? Base(node, dataDir).WithServerTls(config.Postgres(node)) : Base(node, dataDir);

    private static Dictionary<string, string> Base(NodeConfig node, string dataDir) => new()
    {
        ["listen_addresses"] = node.Host,
        ["port"] = node.PostgresPort.ToString(CultureInfo.InvariantCulture),
        // Beside the data directory, not in it: pg_rewind copies the source's data directory and fails on a socket.
        ["unix_socket_directories"] = SocketDir(dataDir),
        ["wal_level"] = "replica",
        ["max_wal_senders"] = "16",
        ["max_replication_slots"] = "16",
        // Enough WAL kept for a replica that was away for a while to catch up without a new clone.
        ["wal_keep_size"] = "512MB",
        // pg_rewind needs hint bits in WAL to rebase a diverged old master.
        ["wal_log_hints"] = "on",
        ["hot_standby"] = "on",
        ["hot_standby_feedback"] = "on",
        // Notice a dead upstream in seconds, not the default minute.
        ["wal_receiver_timeout"] = "5s",
        ["wal_sender_timeout"] = "5s",
        // A standby pointed at a new upstream retries this often: part of every failover's outage.
        ["wal_retrieve_retry_interval"] = "100ms",
        ["synchronous_commit"] = "on",
        ["logging_collector"] = "off",
        ["log_line_prefix"] = "%m [%p] ",
        ["shared_buffers"] = "64MB",
        ["max_connections"] = "100",
    };

    public static Dictionary<string, string> ForMaster(ClusterConfig config, NodeConfig node, string dataDir, string logFile, bool synchronous)
    {
        var s = Common(config, node, dataDir, logFile);
        s["synchronous_standby_names"] = synchronous ? SynchronousStandbyNames(config, node.Id) : "";
        return s;
    }

    public static Dictionary<string, string> ForMaster(ClusterConfig config, NodeConfig node, string dataDir, string logFile, IReadOnlyList<string> synchronousCandidates)
    {
        var s = Common(config, node, dataDir, logFile);
        s["synchronous_standby_names"] = SynchronousStandbyNames(synchronousCandidates);
        return s;
    }

    /// <summary>A standby that lost its master and waits for the next one: no upstream, so nothing more can arrive from the old master.</summary>
    public static Dictionary<string, string> Detached(ClusterConfig config, NodeConfig node, string dataDir, string logFile)
    {
        var s = Common(config, node, dataDir, logFile);
        s["primary_conninfo"] = "";
        s["recovery_target_timeline"] = "latest";
        s["synchronous_standby_names"] = "";
        return s;
    }

    public static Dictionary<string, string> ForReplica(ClusterConfig config, NodeConfig node, string dataDir, string logFile, string upstreamHost, int upstreamPort)
    {
        var s = Common(config, node, dataDir, logFile);
        s["primary_conninfo"] = string.Join(' ',
            $"host={upstreamHost}",
            $"port={upstreamPort.ToString(CultureInfo.InvariantCulture)}",
            $"user={ClusterSecrets.ReplicationUser}",
            // With TLS the node's Postgres certificate is the walreceiver's identity; the pgpass serves plain text.
            config.Tls.Enabled ? PostgresTls.LibpqParameters(config.Postgres(node)) : $"passfile={PostgresTools.ReplicationPassFile(config, node.Id)}",
            $"application_name={node.Id}",
            "connect_timeout=2",
            "keepalives_idle=2 keepalives_interval=1 keepalives_count=2");
        s["recovery_target_timeline"] = "latest";
        s["synchronous_standby_names"] = "";
        return s;
    }

    /// <summary>Where a replica streams from: the master directly for the failover set, the load balancer for followers and async standbys.</summary>
    public static (string Host, int Port) Upstream(ClusterConfig config, NodeConfig node, NodeConfig master) =>
        node.StreamsThroughLoadBalancer
            ? (config.LoadBalancer.Host, config.LoadBalancer.PostgresPort)
            : (master.Host, master.PostgresPort);

    /// <summary>The peer map <see cref="Hba"/> names: the OS user the agent runs as may be the superuser or the secrets role, nobody else.</summary>
    public const string AgentIdentMap = "agent";

    /// <summary>
    /// Who may log in to a node's Postgres, and how. The superuser and the secrets API only on the local
    /// socket as the agent's OS user (no password exists for either); over TCP only the replication role (for
    /// streaming, base backups and pg_rewind's reads) and the operator's role: with TLS over TLS alone and by a
    /// certificate of the cluster CA (<c>cert</c>, its common name mapped by <see cref="PostgresTls.IdentityMap"/>),
    /// without by password. Everything else is refused, since pg_hba has no line for it (a plain-text login under
    /// TLS meets "no pg_hba.conf entry ... no encryption").
    /// </summary>
    public static string Hba(bool tls, string clientCidr = "127.0.0.1/32")
    {
        var (type, method) = tls ? ("hostssl", $"cert map={PostgresTls.IdentityMap}") : ("host", "scram-sha-256");
        return $"""
            # Managed by Conjur.EventSourced: rewritten at every start.
            local   all            {ClusterSecrets.PostgresAdminUser}             peer map={AgentIdentMap}
            local   policy,audit   {ClusterSecrets.SecretsDatabaseUser}     peer map={AgentIdentMap}
            {type,-7} replication    {ClusterSecrets.ReplicationUser}         {clientCidr}   {method}
            {type,-7} postgres       {ClusterSecrets.ReplicationUser}         {clientCidr}   {method}
            {type,-7} policy,audit   {ClusterSecrets.OperatorDatabaseUser}    {clientCidr}   {method}

            """;
    }

    /// <summary>The peer map of <see cref="Hba"/> for the agent's OS user and, with TLS, which certificate logs in as which role.</summary>
    public static string Ident(string agentOsUser, ClusterConfig config) => $"""
        # Managed by Conjur.EventSourced: rewritten at every start.
        {AgentIdentMap}   {agentOsUser}   {ClusterSecrets.PostgresAdminUser}
        {AgentIdentMap}   {agentOsUser}   {ClusterSecrets.SecretsDatabaseUser}

        """ + (config.Tls.Enabled ? PostgresTls.IdentLines(PostgresTls.NodeIdentities(config)) : "");

    public static string SocketDir(string dataDir) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(dataDir))!, "socket");

    public static string ManagedConfPath(string dataDir) => Path.Combine(dataDir, PostgresTools.ManagedConfFile);
}
