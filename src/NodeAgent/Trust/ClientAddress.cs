namespace Conjur.EventSourced.NodeAgent.Trust;

/// <summary>
/// Which address a request's audit records as its client's. Only what this agent has verified is an input: the
/// client a node vouched for with its key (a write a follower forwarded), the client the load balancer vouched for
/// with its hop key, and the connection's own source. Whatever a client writes in <c>X-Forwarded-For</c> or any
/// <c>X-Conjur-*</c> header is never one of them.
/// </summary>
public static class ClientAddress
{
    public static string Decide(string? vouchedByNode, string? seenByLoadBalancer, string? connection) =>
        vouchedByNode ?? seenByLoadBalancer ?? connection ?? "unknown";
}
