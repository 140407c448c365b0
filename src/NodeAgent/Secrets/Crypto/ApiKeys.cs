using System.Security.Cryptography;
using System.Text;

namespace Conjur.EventSourced.NodeAgent.Secrets.Crypto;

/// <summary>
/// API keys are 256 random bits written in lower-case base32 (Conjur's keys are random lower-case
/// strings too). Only their SHA-256 is stored: with that much entropy a slow hash adds nothing.
/// </summary>
public static class ApiKeys
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public static string Generate()
    {
        var bytes = RandomNumberGenerator.GetBytes(32);
        var s = new StringBuilder(52);
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                s.Append(Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0)
        {
            s.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        }
        return s.ToString();
    }

    public static byte[] Hash(string apiKey) => SHA256.HashData(Encoding.UTF8.GetBytes(apiKey.Trim()));

    public static bool Matches(string apiKey, byte[] storedHash) => CryptographicOperations.FixedTimeEquals(Hash(apiKey), storedHash);
}
