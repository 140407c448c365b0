using System.Security.Cryptography;
using System.Text;

namespace Conjur.EventSourced.Hosting.Messaging;

/// <summary>
/// An automatic failover is named by the leader term it ends (the create revision of the lost
/// <c>leader</c> key), so every standby that sees the loss, and a second lock winner after the first
/// died, all speak of the same failover without talking to each other.
/// </summary>
public static class FailoverIds
{
    public static Guid ForTerm(string clusterId, long term)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"conjur-failover/{clusterId}/{term}"));
        return new Guid(hash.AsSpan(0, 16));
    }
}
