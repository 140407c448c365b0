using System.Net;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Services;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Tls;

/// <summary>
/// Every certificate a topology needs, and where each lives: in a folder of the user that reads its key, so no
/// part reads another's (a node's Postgres key under the node's folder, owned by <c>postgres</c>; the agent's in
/// the node's secrets; RabbitMQ's in its own folder). Only the CA's key stays in <c>secrets/tls/</c>, for <c>up</c>.
/// </summary>
public static class ClusterCertificates
{
    public static string CaDir(this ClusterConfig c) => Path.Combine(c.SecretsDir, "tls");
    public static string CaKeyFile(this ClusterConfig c) => Path.Combine(c.CaDir(), "ca.key");
    public static string CaCertFile(this ClusterConfig c) => Path.Combine(c.CaDir(), "ca.crt");

    /// <summary>The CA bundle for clients (<c>tls.ca</c> in <c>status --json</c>): public, readable by anyone.</summary>
    public static string PublicCaFile(this ClusterConfig c) => Path.Combine(c.StateDir, "tls", "ca.crt");

    /// <summary>An agent's certificate is named for its node: the internal listener of the master knows a sender by it.</summary>
    public const string AgentNamePrefix = "agent-";

    public static CertificateSpec Agent(this ClusterConfig c, NodeConfig node) =>
        new(AgentNamePrefix + node.Id, Path.Combine(c.NodeSecretsDir(node.Id), "tls"), null, NodeHosts(c, node), Server: true, Client: true);

    /// <summary>A node's Postgres: the server's certificate, and its identity (mapped to <c>replicator</c>) when it streams or clones from another.</summary>
    public static CertificateSpec Postgres(this ClusterConfig c, NodeConfig node) =>
        new($"postgres-{node.Id}", Path.Combine(c.NodeDir(node.Id), "tls"), SystemUsers.Postgres, NodeHosts(c, node), Server: true, Client: true);

    public static CertificateSpec ControlPlane(this ClusterConfig c) =>
        new("controlplane", Path.Combine(c.ControlPlaneSecretsDir(), "tls"), null, Hosts(c.ControlPlane.Host), Server: true, Client: true);

    public static CertificateSpec ControlPlanePostgres(this ClusterConfig c) =>
        new("controlplane-postgres", Path.Combine(c.StateDir, "controlplane", "tls"), SystemUsers.Postgres, Hosts(c.ControlPlane.Host), Server: true, Client: false);

    /// <summary>The common name of every etcd member: its peer port admits no other (<c>--peer-cert-allowed-cn</c>), so no other part's certificate can speak raft.</summary>
    public const string EtcdPeerName = "etcd-peer";

    public static CertificateSpec EtcdMember(this ClusterConfig c, EtcdMemberConfig member) =>
        new(member.Name, Path.Combine(c.SecretsDir, "etcd", "tls"), null, Hosts(c.Etcd.Host), Server: true, Client: true, Cn: EtcdPeerName);

    public static CertificateSpec RabbitMq(this ClusterConfig c) =>
        new("rabbitmq", Path.Combine(new RabbitMqNodeFiles(c).BaseDir, "tls"), RabbitMqNodeFiles.SystemUser, Hosts(c.RabbitMq.Host), Server: true, Client: false);

    /// <summary>HAProxy's: the client certificate of its health checks on each agent's internal listener. haproxy runs as its own user.</summary>
    public static CertificateSpec LoadBalancer(this ClusterConfig c) =>
        new("haproxy", Path.Combine(c.StateDir, "haproxy", "tls"), "haproxy", Hosts(c.LoadBalancer.Host), Server: true, Client: true);

    /// <summary>HAProxy wants a certificate and its key in one file: written beside them by its launcher.</summary>
    public static string LoadBalancerPemFile(this ClusterConfig c) => Path.Combine(c.LoadBalancer().Dir, "haproxy.pem");

    /// <summary>The operator's client certificate: psql, etcdctl and the CLI's calls on an agent's internal listener.</summary>
    public static CertificateSpec Operator(this ClusterConfig c) =>
        new("operator", Path.Combine(c.OperatorSecretsDir(), "tls"), null, [], Server: false, Client: true);

    /// <summary>The read-only broker subscriber's client certificate, for programs outside the cluster that follow its integration events.</summary>
    public static CertificateSpec Subscriber(this ClusterConfig c) =>
        new("subscriber", Path.Combine(c.SecretsDir, "subscriber", "tls"), null, [], Server: false, Client: true);

    /// <summary>Every certificate of the topology, in the order <c>certs list</c> shows them.</summary>
    public static IReadOnlyList<CertificateSpec> All(this ClusterConfig c)
    {
        var all = new List<CertificateSpec>();
        foreach (var n in c.Nodes)
        {
            all.Add(c.Agent(n));
            all.Add(c.Postgres(n));
        }
        all.Add(c.ControlPlane());
        all.Add(c.ControlPlanePostgres());
        all.AddRange(c.Etcd.Members.Select(c.EtcdMember));
        all.Add(c.RabbitMq());
        all.Add(c.LoadBalancer());
        all.Add(c.Operator());
        all.Add(c.Subscriber());
        return all;
    }

    /// <summary>
    /// A node's names: its own host and, when it can be master, the load balancer's, which clients verify when
    /// the balancer hands them to whichever node leads.
    /// </summary>
    private static List<string> NodeHosts(ClusterConfig c, NodeConfig node)
    {
        var hosts = Hosts(node.Host);
        if (node.Role != NodeRole.Follower && !node.Async)
        {
            hosts.AddRange(Hosts(c.LoadBalancer.Host));
        }
        return hosts.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>The host as configured; a loopback address also answers as <c>localhost</c>.</summary>
    private static List<string> Hosts(string host) =>
        IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip) ? [host, "localhost"] : [host];
}
