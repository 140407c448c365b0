using System.Text;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Services;

/// <summary>
/// Renders the load balancer's configuration from the cluster layout: pure, so it is unit-tested.
/// Every front routes to whichever node of the failover set (master and synchronous standbys)
/// answers 200 on its agent's <c>/health</c>: only the master does, so there is nothing to reconfigure
/// on failover. Followers and async standbys are never backends: they stream through here.
/// </summary>
public static class HaProxyConfig
{
    // A healthy server is checked every 250 ms, one that has just failed a check or is down every 100 ms: two failures
    // (~0.35 s at most) take a node out, one success brings it in (only the master ever answers 200, so there is no
    // second master to flap towards), so the check interval stays a small part of a failover's write outage.
    // haproxy bounds a check's connect and TLS handshake by its interval: 100 ms for every check let one slow handshake
    // on a loaded host (a "Layer6 timeout") and then a second one take a healthy master out and cut its sessions.
    // haproxy 2.6 starts every server UP: until its first checks fail, a node that is not the master
    // can get traffic for a moment after haproxy (re)starts; the node refuses it (fenced or standby).
    public const string ServerCheck = "check inter 250ms fastinter 100ms downinter 100ms fall 2 rise 1 on-marked-down shutdown-sessions";

    /// <summary>
    /// The header by which the load balancer vouches for <c>X-Forwarded-For</c>: base64 of HMAC-SHA256 over the client's
    /// address bytes (4 for IPv4, 16 for IPv6), keyed with the hop key. An agent believes <c>X-Forwarded-For</c> only with it.
    /// </summary>
    public const string HopHeader = "X-Conjur-Hop";

    /// <summary>The environment variable haproxy reads the hop key from (base64), so the configuration file holds no secret.</summary>
    public const string HopKeyVariable = "CONJUR_HOP_KEY";

    /// <summary>Every header a client sends with this prefix is dropped by the load balancer before anything else.</summary>
    public const string ClientHeaderPrefix = "X-Conjur-";

    /// <summary>
    /// How haproxy reaches an agent. In plain text: its HTTP port, checks included. Under TLS: the client API over HTTPS,
    /// verifying the agent's certificate against the cluster CA, and the health checks on its mutual-TLS listener,
    /// presenting haproxy's own certificate. haproxy 2.6 checks a <c>port</c> of their own in plain text unless told
    /// <c>check-ssl</c>, and a TLS session it resumes from one listener on the other breaks the exchange: no reuse.
    /// </summary>
    public static string Check(ClusterConfig config, NodeConfig node) => config.Tls.Enabled
        ? $"port {node.InternalPort} check-ssl ssl verify required ca-file {config.LoadBalancer().CaFile} crt {config.LoadBalancerPemFile()} no-ssl-reuse"
        : $"port {node.HttpPort}";

    /// <summary>A client-facing bind: under TLS it answers HTTPS alone, with haproxy's certificate (the load balancer's name).</summary>
    public static string Bind(ClusterConfig config, int port) => config.Tls.Enabled
        ? $"bind {config.LoadBalancer.Host}:{port} ssl crt {config.LoadBalancerPemFile()} ssl-min-ver TLSv1.2"
        : $"bind {config.LoadBalancer.Host}:{port}";

    /// <summary>A Postgres backend's server: up and down with the same node's HTTP server, its sessions cut when it goes down.</summary>
    public static string TrackingServer(NodeConfig node) => $"track master_http/{node.Id} on-marked-down shutdown-sessions";

    public static IReadOnlyList<NodeConfig> Backends(ClusterConfig config) =>
        config.Nodes.Where(n => n.Role == NodeRole.Master || (n.Role == NodeRole.Standby && !n.Async)).ToList();

    public static string Render(ClusterConfig config)
    {
        var lb = config.LoadBalancer;
        var nodes = Backends(config);
        var s = new StringBuilder();
        s.AppendLine($"# Generated from {config.ConfigPath} for cluster '{config.ClusterId}': edits are overwritten.");
        s.AppendLine("global");
        // Runs in the foreground under our own daemon wrapper: server state changes go to its log file.
        s.AppendLine("    log stdout format raw local0 notice");
        s.AppendLine("    maxconn 4096");
        s.AppendLine();
        s.AppendLine("defaults");
        s.AppendLine("    log global");
        s.AppendLine("    option dontlognull");
        s.AppendLine("    retries 2");
        // Loopback or a LAN: a connect that takes over a second is to a dead or hung node.
        s.AppendLine("    timeout connect 1s");
        // Read timeout of a health check: a master whose /health takes longer is treated as unhealthy.
        s.AppendLine("    timeout check 1s");
        s.AppendLine("    timeout client 30s");
        s.AppendLine("    timeout server 30s");
        s.AppendLine();
        s.AppendLine("frontend conjur_http");
        s.AppendLine("    mode http");
        s.AppendLine($"    {Bind(config, lb.HttpPort)}");
        s.AppendLine("    timeout http-request 10s");
        // What a client says about itself or about other hops is never passed on: its X-Conjur-* headers and any
        // forwarding header go, X-Forwarded-For is replaced (not appended to) by the address haproxy saw, and the hop
        // header vouches for that address with a key only haproxy and the agents hold (on one host every hop is
        // 127.0.0.1, so the connection's source cannot tell the load balancer from a client).
        s.AppendLine($"    http-request del-header {ClientHeaderPrefix} -m beg");
        s.AppendLine("    http-request del-header Forwarded");
        s.AppendLine("    http-request set-header X-Forwarded-For %[src]");
        s.AppendLine($"    http-request set-header {HopHeader} \"%[src,hmac(sha256,${{{HopKeyVariable}}}),base64]\"");
        s.AppendLine("    default_backend master_http");
        s.AppendLine();
        s.AppendLine("backend master_http");
        s.AppendLine("    mode http");
        // 'first' sends everything to the first server that is up, never spreading over two.
        s.AppendLine("    balance first");
        s.AppendLine("    option redispatch");
        s.AppendLine("    option httpchk GET /health");
        s.AppendLine("    http-check expect status 200");
        foreach (var n in nodes)
        {
            s.AppendLine($"    server {n.Id} {n.Host}:{n.HttpPort} {ServerCheck} {Check(config, n)}");
        }
        s.AppendLine();
        s.AppendLine("frontend conjur_postgres");
        s.AppendLine("    mode tcp");
        s.AppendLine($"    bind {lb.Host}:{lb.PostgresPort}");
        s.AppendLine("    option clitcpka");
        // Replication streams and pooled client connections can be idle for long stretches: a tunnel
        // timeout of a day (it replaces client and server timeouts once connected) never cuts them,
        // while TCP keepalives and shutdown-sessions still end them when a peer or the master goes.
        s.AppendLine("    timeout client 24h");
        s.AppendLine("    default_backend master_postgres");
        s.AppendLine();
        s.AppendLine("backend master_postgres");
        s.AppendLine("    mode tcp");
        s.AppendLine("    balance first");
        s.AppendLine("    option srvtcpka");
        s.AppendLine("    timeout server 24h");
        s.AppendLine("    timeout tunnel 24h");
        // While no node is master (mid-failover) a client's connection waits in the backend queue, and
        // haproxy does not hand it to the new master when that one comes up: end the wait early so the
        // client reconnects within ~100 ms of the promotion rather than after a whole connect timeout.
        s.AppendLine("    timeout queue 100ms");
        // After a refused connection haproxy waits min(timeout connect, 1 s) before retrying: with the
        // 1 s default, a client that connects in the instant a dead master is still marked up waits 2 s
        // (two retries). A loopback or LAN connect takes well under 250 ms; retry elsewhere at once.
        s.AppendLine("    timeout connect 250ms");
        s.AppendLine("    option redispatch 1");
        // Postgres itself cannot say who is master: the node agent's /health can. One check per node serves both
        // backends (each check is a TLS handshake with the agent): these servers track the HTTP backend's.
        foreach (var n in nodes)
        {
            s.AppendLine($"    server {n.Id} {n.Host}:{n.PostgresPort} {TrackingServer(n)}");
        }
        if (config.Tls.Enabled)
        {
            RenderInternal(config, s);
        }
        s.AppendLine();
        s.AppendLine("frontend stats");
        s.AppendLine("    mode http");
        s.AppendLine($"    {Bind(config, lb.StatsPort)}");
        s.AppendLine("    no log");
        // /stats for people, /stats;csv for scripts and tests.
        s.AppendLine("    stats enable");
        s.AppendLine("    stats uri /stats");
        s.AppendLine("    stats refresh 2s");
        return s.ToString();
    }

    /// <summary>
    /// The internal front: TCP passed through to the master's mutual-TLS listener, never opened here, so the master
    /// checks the sending agent's own certificate (audit batches, forwarded writes). Up and down with the HTTP backend.
    /// </summary>
    private static void RenderInternal(ClusterConfig config, StringBuilder s)
    {
        s.AppendLine();
        s.AppendLine("frontend conjur_internal");
        s.AppendLine("    mode tcp");
        s.AppendLine($"    bind {config.LoadBalancer.Host}:{config.LoadBalancer.InternalPort}");
        s.AppendLine("    default_backend master_internal");
        s.AppendLine();
        s.AppendLine("backend master_internal");
        s.AppendLine("    mode tcp");
        s.AppendLine("    balance first");
        s.AppendLine("    timeout queue 100ms");
        s.AppendLine("    timeout connect 250ms");
        s.AppendLine("    option redispatch 1");
        foreach (var n in Backends(config))
        {
            s.AppendLine($"    server {n.Id} {n.Host}:{n.InternalPort} {TrackingServer(n)}");
        }
    }
}
