namespace Conjur.EventSourced.NodeAgent.Secrets.Api;

/// <summary>
/// A request body that cannot be read: bad chunked framing, a body that ends before its Content-Length, one that
/// arrives too slowly, a client gone mid-body. The client's fault, so the answer is a 4xx (<see cref="Status"/>,
/// Kestrel's own where it gave one), never a 500.
/// </summary>
public sealed class UnreadableBodyException(int status, string message, Exception inner) : Exception(message, inner)
{
    public int Status { get; } = status;
}
