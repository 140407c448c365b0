using System.Collections.Concurrent;
using System.Net;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Services;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.NodeAgent.Trust;

/// <summary>
/// <see cref="IPeerAuthentication"/> with keys from the state folder, read once at start (a missing one stops the agent
/// with the file's name): this node's own signing key; on a node that can become master, also the root of every node's
/// key (to check what other nodes sign) and the load balancer's hop key (only master-capable nodes are its backends).
/// A follower holds its own key alone, so it believes no other node and never the load balancer.
/// </summary>
public sealed class HmacPeerAuthentication : IPeerAuthentication
{
    private readonly ClusterConfig _config;
    private readonly NodeConfig _node;
    private readonly byte[] _own;
    private readonly byte[]? _root;
    private readonly byte[]? _hop;
    private readonly ConcurrentDictionary<string, byte[]> _derived = new(StringComparer.Ordinal);

    public HmacPeerAuthentication(ClusterConfig config, NodeConfig node)
    {
        _config = config;
        _node = node;
        _own = NodeKeys.Read(config.NodeSigningKeyFile(node.Id));
        if (NodeKeys.CanBeMaster(node))
        {
            _root = NodeKeys.Read(config.NodeKeyRootFile());
            _hop = NodeKeys.Read(config.LoadBalancerHopKeyFile());
        }
    }

    public void SignAuditBatch(HttpRequestMessage request, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var sig = NodeSignature.Sign(_own, NodeSignature.AuditBatch(ts, _node.Id, NodeSignature.BodyHash(body)));
        request.Headers.TryAddWithoutValidation("Authorization", $"{NodeSignature.Scheme} {NodeSignature.Header(_node.Id, ts, sig)}");
    }

    public SignatureCheck AuthenticateAuditBatch(HttpRequest request, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.Authorization.ToString();
        var fields = header.StartsWith(NodeSignature.Scheme + " ", StringComparison.Ordinal) ? NodeSignature.Parse(header[(NodeSignature.Scheme.Length + 1)..]) : null;
        var hash = NodeSignature.BodyHash(body);
        var check = NodeSignature.Check(fields, KeyFor, (node, ts) => NodeSignature.AuditBatch(ts, node, hash), DateTimeOffset.UtcNow);
        return check.Node is null ? check : SameNodeOnTheWire(request, check.Node);
    }

    /// <summary>
    /// Under TLS a node's signature counts only on the internal listener, from the connection of that same node's agent
    /// certificate: a stolen node key alone, or one node's certificate with another's key, is not enough.
    /// </summary>
    private SignatureCheck SameNodeOnTheWire(HttpRequest request, string signer)
    {
        if (!_config.Tls.Enabled)
        {
            return SignatureCheck.By(signer);
        }
        return InternalListener.CallingNode(request.HttpContext, _node) switch
        {
            null => SignatureCheck.Refused($"signed by {signer} but not sent on this agent's internal listener with an agent certificate (port {_node.InternalPort}, mutual TLS)"),
            var sender when sender != signer => SignatureCheck.Refused($"signed by {signer} but sent with the certificate of {ClusterCertificates.AgentNamePrefix}{sender}"),
            _ => SignatureCheck.By(signer),
        };
    }

    public void VouchForClient(HttpRequestMessage request, string client, string method, string pathAndQuery)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var authorization = request.Headers.TryGetValues("Authorization", out var values) ? string.Join(",", values) : "";
        var sig = NodeSignature.Sign(_own, NodeSignature.ForwardedClient(ts, _node.Id, client, method, pathAndQuery, authorization));
        request.Headers.TryAddWithoutValidation(NodeSignature.ForwardedClientHeader, NodeSignature.Header(_node.Id, ts, sig, client));
    }

    public string? VouchedClient(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var values = request.Headers[NodeSignature.ForwardedClientHeader];
        if (values.Count != 1 || NodeSignature.Parse(values[0]) is not { } fields
            || !fields.TryGetValue("for", out var client) || !IPAddress.TryParse(client, out _))
        {
            return null;
        }
        var pathAndQuery = request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
        var authorization = request.Headers.Authorization.ToString();
        var check = NodeSignature.Check(fields, KeyFor,
            (node, ts) => NodeSignature.ForwardedClient(ts, node, client, request.Method, pathAndQuery, authorization), DateTimeOffset.UtcNow);
        return check.Node is not null && SameNodeOnTheWire(request, check.Node).Node is not null ? client : null;
    }

    public string? LoadBalancerClient(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_hop is null)
        {
            return null;
        }
        var forwarded = request.Headers["X-Forwarded-For"];
        var mac = request.Headers[HaProxyConfig.HopHeader];
        if (forwarded.Count != 1 || mac.Count != 1 || !IPAddress.TryParse(forwarded[0], out var address))
        {
            return null;
        }
        return HopMac.Matches(_hop, address, mac[0]) ? address.ToString() : null;
    }

    /// <summary>
    /// The key of a node whose signature this agent can check: from the root, any node id (a node since removed from
    /// the layout may still ship what its spool holds; only the root's holders and that node have its key); without
    /// the root, only this node's own.
    /// </summary>
    private byte[]? KeyFor(string nodeId)
    {
        if (_root is null)
        {
            return nodeId == _node.Id ? _own : null;
        }
        if (!NodeKeys.IsNodeId(nodeId))
        {
            return null;
        }
        return _config.Nodes.Any(n => n.Id == nodeId)
            ? _derived.GetOrAdd(nodeId, id => NodeKeys.Derive(_root, _config.ClusterId, id))
            : NodeKeys.Derive(_root, _config.ClusterId, nodeId);
    }
}
