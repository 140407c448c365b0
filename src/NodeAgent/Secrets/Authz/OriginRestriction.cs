using System.Net;
using System.Net.Sockets;

namespace Conjur.EventSourced.NodeAgent.Secrets.Authz;

/// <summary>
/// <c>restricted_to</c>: the networks a user or host may authenticate from, as Conjur checks them. A policy
/// gives addresses or CIDR ranges; they are stored normalized (<c>10.0.0.0/8</c>, a bare address with its full
/// mask), and a range with bits set right of its mask is refused, as Conjur's parser refuses it.
/// </summary>
public static class OriginRestriction
{
    /// <summary>The normalized form of <paramref name="text"/>, or null with the reason it is not a network.</summary>
    public static string? Normalize(string text, out string? error)
    {
        error = null;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressPart = slash < 0 ? text : text[..slash];
        // IPAddress also reads "10" and "10.1" as IPv4 shorthand: only the dotted quad is taken, as Conjur takes it.
        if (!IPAddress.TryParse(addressPart, out var address) || addressPart.Contains('%', StringComparison.Ordinal)
            || (address.AddressFamily == AddressFamily.InterNetwork && address.ToString() != addressPart))
        {
            error = $"'{text}' is not an IP address or CIDR range";
            return null;
        }
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = bits;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix) || prefix > bits))
        {
            error = $"'{text}' has no valid mask (0-{bits})";
            return null;
        }
        var network = new IPNetwork(Masked(address, prefix), prefix);
        if (!network.BaseAddress.Equals(address))
        {
            error = $"'{text}' has bits set right of its mask: did you mean '{network}'?";
            return null;
        }
        return network.ToString();
    }

    /// <summary>Whether <paramref name="clientIp"/> may authenticate: no restriction, or inside one of the networks.</summary>
    public static bool Allows(IReadOnlyList<string> restrictedTo, string clientIp)
    {
        if (restrictedTo.Count == 0)
        {
            return true;
        }
        if (!IPAddress.TryParse(clientIp, out var ip))
        {
            return false;
        }
        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }
        return restrictedTo.Any(n => IPNetwork.TryParse(n, out var network) && network.Contains(ip));
    }

    private static IPAddress Masked(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPAddress(bytes);
    }
}
