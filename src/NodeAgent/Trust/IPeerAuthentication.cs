namespace Conjur.EventSourced.NodeAgent.Trust;

/// <summary>
/// The one place an agent decides whom to believe about who is calling: another node (an audit batch, the client of
/// a forwarded write) or the load balancer (the client's address): node keys and the load balancer's hop key
/// (<see cref="HmacPeerAuthentication"/>) and, under TLS, the agent certificate of the connection as well.
/// </summary>
public interface IPeerAuthentication
{
    /// <summary>Adds this node's credential to a request that carries <paramref name="body"/>, a batch of its audit records.</summary>
    void SignAuditBatch(HttpRequestMessage request, byte[] body);

    /// <summary>Which node sent this audit batch, or why it is not believed.</summary>
    SignatureCheck AuthenticateAuditBatch(HttpRequest request, ReadOnlySpan<byte> body);

    /// <summary>Adds to a write this follower forwards the address of the client it came from, signed as this node.</summary>
    void VouchForClient(HttpRequestMessage request, string client, string method, string pathAndQuery);

    /// <summary>The client address a node vouches for on this request (a write it forwarded); null if none is believed.</summary>
    string? VouchedClient(HttpRequest request);

    /// <summary>The client address the load balancer saw, when this request came through it; null otherwise.</summary>
    string? LoadBalancerClient(HttpRequest request);
}
