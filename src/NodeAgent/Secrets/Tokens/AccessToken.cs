using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conjur.EventSourced.NodeAgent.Secrets.Tokens;

/// <summary>
/// Conjur's v2 access token shape: a JSON object with base64url <c>protected</c> (algorithm, key id,
/// account), <c>payload</c> (<c>sub</c>, <c>iat</c>, <c>exp</c>) and <c>signature</c>. Clients send it
/// base64-encoded in <c>Authorization: Token token="..."</c>. Signed with HMAC-SHA256 under the
/// account's signing key: every node holds that key (replicated, encrypted under the data key) and
/// both signs and verifies, so an asymmetric pair would buy nothing here.
/// </summary>
public static class AccessToken
{
    public const string Algorithm = "HS256";
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(8);

    public sealed record Claims(string Account, string Login, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

    private sealed record Header([property: JsonPropertyName("alg")] string Alg, [property: JsonPropertyName("kid")] string Kid, [property: JsonPropertyName("account")] string Account);

    private sealed record Payload([property: JsonPropertyName("sub")] string Sub, [property: JsonPropertyName("iat")] long Iat, [property: JsonPropertyName("exp")] long Exp);

    /// <summary>The fingerprint of a signing key (its SHA-256, hex): the token's <c>kid</c>.</summary>
    public static string KeyId(byte[] key) => Convert.ToHexString(SHA256.HashData(key)).ToLowerInvariant()[..32];

    /// <summary>The token as Conjur returns it from authenticate (JSON text).</summary>
    public static string Issue(string account, string login, byte[] key, DateTimeOffset now)
    {
        var header = B64Url(JsonSerializer.SerializeToUtf8Bytes(new Header(Algorithm, KeyId(key), account)));
        var payload = B64Url(JsonSerializer.SerializeToUtf8Bytes(new Payload(login, now.ToUnixTimeSeconds(), now.Add(Lifetime).ToUnixTimeSeconds())));
        var signature = B64Url(Sign(key, header, payload));
        return JsonSerializer.Serialize(new Dictionary<string, string> { ["protected"] = header, ["payload"] = payload, ["signature"] = signature });
    }

    /// <summary>The account named by a token (unverified): which key to check it with.</summary>
    public static bool TryReadAccount(string tokenJson, out string account, out string keyId)
    {
        account = keyId = "";
        try
        {
            using var doc = JsonDocument.Parse(tokenJson);
            var header = JsonSerializer.Deserialize<Header>(FromB64Url(doc.RootElement.GetProperty("protected").GetString() ?? ""));
            if (header is null || header.Alg != Algorithm || string.IsNullOrEmpty(header.Account))
            {
                return false;
            }
            account = header.Account;
            keyId = header.Kid;
            return true;
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Verifies the signature and the expiry; null when either fails or the token is malformed.</summary>
    public static Claims? Verify(string tokenJson, byte[] key, DateTimeOffset now)
    {
        try
        {
            using var doc = JsonDocument.Parse(tokenJson);
            var root = doc.RootElement;
            var header = root.GetProperty("protected").GetString() ?? "";
            var payload = root.GetProperty("payload").GetString() ?? "";
            var signature = FromB64Url(root.GetProperty("signature").GetString() ?? "");
            if (!CryptographicOperations.FixedTimeEquals(Sign(key, header, payload), signature))
            {
                return null;
            }
            var h = JsonSerializer.Deserialize<Header>(FromB64Url(header));
            var p = JsonSerializer.Deserialize<Payload>(FromB64Url(payload));
            if (h is null || p is null || h.Alg != Algorithm || h.Kid != KeyId(key))
            {
                return null;
            }
            var claims = new Claims(h.Account, p.Sub, DateTimeOffset.FromUnixTimeSeconds(p.Iat), DateTimeOffset.FromUnixTimeSeconds(p.Exp));
            return now < claims.ExpiresAt ? claims : null;
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The token JSON from <c>Authorization: Token token="base64"</c>; null when the header is absent or not of that form.</summary>
    public static string? FromAuthorizationHeader(string? header)
    {
        if (header is null)
        {
            return null;
        }
        const string prefix = "Token token=\"";
        var h = header.Trim();
        if (!h.StartsWith(prefix, StringComparison.Ordinal) || !h.EndsWith('"'))
        {
            return null;
        }
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(h[prefix.Length..^1]));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static byte[] Sign(byte[] key, string header, string payload) =>
        HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(header + "." + payload));

    private static string B64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromB64Url(string s)
    {
        var t = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(t.PadRight(t.Length + ((4 - (t.Length % 4)) % 4), '='));
    }
}
