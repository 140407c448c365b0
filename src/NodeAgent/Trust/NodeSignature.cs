using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Conjur.EventSourced.NodeAgent.Trust;

/// <summary>
/// What an agent signs with its node key, and how: pure, so the format is unit-tested. A signed header is a list
/// <c>name=value</c> separated by commas (<c>node=node2,ts=1767225600,sig=...</c>); the signature is base64 of
/// HMAC-SHA256 over a canonical text that starts with what is signed (so one kind can never pass for another),
/// then the Unix time, the node and the parts that kind binds. A timestamp more than <see cref="MaxSkew"/> away
/// from the receiver's clock is refused, which bounds how long a captured header can be replayed.
/// </summary>
public static class NodeSignature
{
    /// <summary><c>Authorization: Conjur-Node node=...,ts=...,sig=...</c> on <c>POST /audit/records</c>.</summary>
    public const string Scheme = "Conjur-Node";

    /// <summary>Sent by a follower with a write it forwards: <c>for=CLIENT,node=...,ts=...,sig=...</c>.</summary>
    public const string ForwardedClientHeader = "Conjur-Forwarded-Client";

    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(5);

    /// <summary>Binds the batch's bytes (so its origin and records) through <paramref name="bodyHash"/>, from <see cref="BodyHash"/>.</summary>
    public static string AuditBatch(long ts, string node, string bodyHash) =>
        string.Create(CultureInfo.InvariantCulture, $"conjur-audit-batch-v1\n{ts}\n{node}\n{bodyHash}");

    public static string BodyHash(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    /// <summary>Binds the client to the request it came with: method, path and query, and the caller's credential (hashed).</summary>
    public static string ForwardedClient(long ts, string node, string client, string method, string pathAndQuery, string authorization) =>
        string.Create(CultureInfo.InvariantCulture,
            $"conjur-forwarded-client-v1\n{ts}\n{node}\n{client}\n{method.ToUpperInvariant()}\n{pathAndQuery}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(authorization)))}");

    public static string Sign(byte[] key, string canonical) => Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(canonical)));

    public static string Header(string node, long ts, string signature, string? client = null) =>
        (client is null ? "" : $"for={client},") + string.Create(CultureInfo.InvariantCulture, $"node={node},ts={ts},sig={signature}");

    /// <summary>The fields of a signed header; null when it is not one (a field without '=', a name twice, or no node, ts or sig).</summary>
    public static IReadOnlyDictionary<string, string>? Parse(string? header)
    {
        if (string.IsNullOrWhiteSpace(header) || header.Length > 1024)
        {
            return null;
        }
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !fields.TryAdd(part[..eq], part[(eq + 1)..]))
            {
                return null;
            }
        }
        return fields.ContainsKey("node") && fields.ContainsKey("ts") && fields.ContainsKey("sig") ? fields : null;
    }

    /// <summary>
    /// Which node signed, or why the signature is not believed. <paramref name="keyFor"/> gives the key of a node this
    /// agent can check (null for any other); <paramref name="canonical"/> rebuilds what the signer signed from the
    /// node and time it names.
    /// </summary>
    public static SignatureCheck Check(IReadOnlyDictionary<string, string>? fields, Func<string, byte[]?> keyFor,
        Func<string, long, string> canonical, DateTimeOffset now)
    {
        if (fields is null)
        {
            return SignatureCheck.Refused("missing or malformed: expected node=ID,ts=UNIX-SECONDS,sig=BASE64");
        }
        var node = fields["node"];
        if (keyFor(node) is not { } key)
        {
            return SignatureCheck.Refused($"signed as '{Printable(node)}', which is not a node whose signature this agent can check");
        }
        if (!long.TryParse(fields["ts"], NumberStyles.None, CultureInfo.InvariantCulture, out var ts)
            || Math.Abs(now.ToUnixTimeSeconds() - ts) > (long)MaxSkew.TotalSeconds)
        {
            return SignatureCheck.Refused($"the timestamp is not within {MaxSkew.TotalSeconds:0} s of this node's clock");
        }
        byte[] given;
        try
        {
            given = Convert.FromBase64String(fields["sig"]);
        }
        catch (FormatException)
        {
            return SignatureCheck.Refused("the signature is not base64");
        }
        var expected = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(canonical(node, ts)));
        return CryptographicOperations.FixedTimeEquals(given, expected)
            ? SignatureCheck.By(node)
            : SignatureCheck.Refused($"the signature does not match {node}'s key");
    }

    /// <summary>A node id as it may appear in an error: at most 64 characters of letters, digits, '_' and '-'.</summary>
    private static string Printable(string value) =>
        new([.. value.Take(64).Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '?')]);
}
