using System.Net;
using System.Security.Cryptography;

namespace Conjur.EventSourced.NodeAgent.Trust;

/// <summary>
/// The load balancer's word for a client's address (<see cref="Hosting.Services.HaProxyConfig.HopHeader"/>): what
/// haproxy's <c>%[src,hmac(sha256,KEY),base64]</c> computes, base64 of HMAC-SHA256 over the address's bytes in network
/// order. Only haproxy and the master-capable agents hold the key, so a client can say any address it likes but cannot
/// make the agents believe it.
/// </summary>
public static class HopMac
{
    public static string Compute(byte[] key, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return Convert.ToBase64String(HMACSHA256.HashData(key, address.GetAddressBytes()));
    }

    public static bool Matches(byte[] key, IPAddress address, string? mac)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (string.IsNullOrEmpty(mac) || mac.Length > 64)
        {
            return false;
        }
        Span<byte> given = stackalloc byte[48];
        if (!Convert.TryFromBase64String(mac, given, out var written))
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(given[..written], HMACSHA256.HashData(key, address.GetAddressBytes()));
    }
}
