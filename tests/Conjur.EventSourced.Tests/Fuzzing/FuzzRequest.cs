using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Conjur.EventSourced.NodeAgent.Trust;

namespace Conjur.EventSourced.Tests.Fuzzing;

/// <summary>One request of a run, as bytes, with what the server may do with it besides answering.</summary>
/// <param name="MayClose">The request is broken below HTTP's grammar (a body shorter than its length, an oversized body,
/// bad framing): the server may close without an answer.</param>
public sealed record FuzzRequest(FuzzRoute Route, int Port, byte[] Bytes, bool ShutDownEarly, bool MayClose, int Seed)
{
    /// <summary>The start of the request, escaped, to quote in a failure.</summary>
    public string Quote()
    {
        var text = Regex.Replace(Encoding.Latin1.GetString(Bytes, 0, Math.Min(Bytes.Length, 1_500)), "token=\"[^\"]{40,}\"", "token=\"(a token)\"");
        text = text.Length > 400 ? text[..400] : text;
        return $"seed {Seed}: " + Regex.Replace(text, @"[^\x20-\x7e]", m => m.Value == "\n" ? "\\n" : $"\\x{(int)m.Value[0]:x2}");
    }

    private static readonly Regex Parameter = new(@"\{(\*\*)?(?<name>[A-Za-z]+)(:[a-z]+)?(?<optional>\?)?\}", RegexOptions.Compiled);

    /// <summary>
    /// A request for <paramref name="route"/> from <paramref name="seed"/>: mostly well-formed with good values (to reach
    /// the handler), and then, each with its own chance, a hostile segment, an odd path, a hostile query, a mangled
    /// or missing credential, another content type or method, an extra header, broken framing.
    /// </summary>
    public static FuzzRequest Make(FuzzRoute route, FuzzTargets t, int port, int seed)
    {
        var random = new Random(seed);
        var method = random.Chance(0.9) ? route.Method : random.Pick(FuzzInputs.OddMethods);
        var path = route.Template == FuzzRoutes.UnknownPath ? UnknownPath(random) : Fill(route, random);
        if (random.Chance(0.2))
        {
            path = FuzzInputs.MutatePath(random, path, port);
        }
        var query = FuzzInputs.Query(random, route.Query);
        byte[]? body = route.Body is { } make && random.Chance(0.95) ? make(random, t)
            : random.Chance(0.1) ? FuzzInputs.RandomBytes(random, random.Next(1, 3_000)) : null;
        var headers = new List<(string, string)>();
        var host = random.Next(40) switch
        {
            0 => null,
            1 => "evil.example",
            2 => "",
            3 => $"localhost:{port}",
            4 => "127.0.0.1:1",
            _ => $"127.0.0.1:{port}",
        };
        if (host is not null)
        {
            headers.Add(("Host", host));
        }
        var credential = route.Credential == FuzzCredential.NodeSignature && body is not null && random.Chance(0.3)
            ? SignAsFollower(t, body)
            : Credential(route.Credential, random, t, route.Part);
        if (credential is { } c)
        {
            headers.Add(c);
        }
        var contentType = random.Next(10) switch
        {
            < 7 => route.ContentType,
            7 => null,
            8 => "application/x-www-form-urlencoded",
            _ => random.Pick<string>(["multipart/form-data; boundary=x", "application/json; charset=utf-16", "text/plain; charset=\"\0\"", "*/*", "application/json; charset=nope"]),
        };
        if (credential is ("Authorization", var value) && value == $"Bearer {t.OperatorToken}" && route.OperatorSafe is { } safe)
        {
            (query, body) = safe(random, t, query, body);
            contentType = route.ContentType;
        }
        if (contentType is not null && (body is not null || random.Chance(0.1)))
        {
            headers.Add(("Content-Type", contentType));
        }
        var mayClose = body is { Length: > 1 << 20 };
        long? contentLength = null;
        var shutDownEarly = false;
        var chunked = false;
        if (random.Chance(0.12))
        {
            var (header, closes) = ExtraHeader(random);
            headers.Add(header);
            mayClose |= closes;
            chunked = header.Item1 == "Transfer-Encoding";
        }
        if (!chunked && body is { Length: > 0 } && random.Chance(0.03))
        {
            contentLength = body.Length + random.Next(1, 10_000);
            shutDownEarly = true;
            mayClose = true;
        }
        var target = path + query;
        byte[] bytes;
        if (chunked)
        {
            (bytes, var incomplete) = ChunkedRequest(method, target, headers, body, random);
            // A body that stops without its last chunk: the client half-closes, as one that gave up would.
            shutDownEarly |= incomplete;
        }
        else
        {
            bytes = RawHttp.Build(method, target, headers, body, contentLength);
        }
        return new FuzzRequest(route, port, bytes, shutDownEarly, mayClose, seed);
    }

    private static string Fill(FuzzRoute route, Random random)
    {
        var path = Parameter.Replace(route.Template, m =>
        {
            if (m.Groups["optional"].Success && random.Chance(0.3))
            {
                return "\u0001";
            }
            var good = route.Segments.TryGetValue(m.Groups["name"].Value, out var values) ? values : ["x"];
            return FuzzInputs.Segment(random, good);
        });
        return path.Replace("/\u0001", "", StringComparison.Ordinal);
    }

    private static string UnknownPath(Random random) => random.Next(8) switch
    {
        0 => "/" + string.Join('/', Enumerable.Range(0, random.Next(1, 8)).Select(_ => random.Pick(FuzzInputs.HostileSegments))),
        1 => "/../../../../etc/passwd",
        2 => "/%2e%2e/%2e%2e/secrets/data.key",
        3 => "*",
        4 => "/" + Uri.EscapeDataString(FuzzInputs.RandomText(random, random.Next(1, 200))),
        5 => random.Pick<string>(["/api", "/api/", "/internal", "/audit", "/secrets/", "/policies", "/authn", "/resources", "/.env", "/favicon.ico", "/api/nodes"]),
        6 => "/" + new string('a', random.Next(1, 70_000)),
        _ => "/x\0y",
    };

    private static (string, string)? Credential(FuzzCredential kind, Random random, FuzzTargets t, FuzzPart part)
    {
        if (part == FuzzPart.ControlPlane)
        {
            return random.Next(20) switch
            {
                < 4 => null,
                < 10 => ("Authorization", $"Bearer {t.ViewerToken}"),
                < 14 when kind == FuzzCredential.Operator => ("Authorization", $"Bearer {t.OperatorToken}"),
                14 => ("Authorization", $"Bearer {t.OperatorToken}"),
                15 => ("Authorization", $"Bearer {Mangle(random, t.ViewerToken)}"),
                16 => ("Cookie", $"conjur_session={FuzzInputs.RandomText(random, random.Next(1, 200))}"),
                17 => ("Authorization", random.Pick<string>(["Bearer", "Bearer ", "Basic YWRtaW46YWRtaW4=", $"bearer {t.ViewerToken}", $"Bearer {t.ViewerToken} {t.OperatorToken}"])),
                18 => ("Authorization", "Bearer " + new string('t', random.Next(1_000, 30_000))),
                _ => ("Authorization", $"Bearer {FuzzInputs.RandomText(random, 40)}"),
            };
        }
        switch (kind)
        {
            case FuzzCredential.None:
                return random.Chance(0.2) ? ("Authorization", $"Token token=\"{t.FuzzerToken}\"") : null;
            case FuzzCredential.BasicLogin:
                var pair = random.Next(6) switch
                {
                    0 => $"{t.FuzzerLogin}:{t.FuzzerApiKey}",
                    1 => $"{t.FuzzerLogin}:wrong",
                    2 => "admin:wrong",
                    3 => new string('u', random.Next(100, 10_000)) + ":x",
                    4 => FuzzInputs.RandomText(random, 30),
                    _ => "no-colon",
                };
                return ("Authorization", random.Chance(0.9) ? "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)) : "Basic " + FuzzInputs.RandomText(random, 20));
            case FuzzCredential.Bootstrap:
                return random.Chance(0.8) ? ("Conjur-Bootstrap", random.Pick<string>(["", "x", new string('b', 64), FuzzInputs.RandomText(random, 50)])) : null;
            case FuzzCredential.NodeSignature:
                var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - (random.Chance(0.8) ? 0 : random.Next(-100_000, 100_000));
                var node = random.Chance(0.8) ? t.FollowerId : random.Pick<string>([.. t.NodeIds, "nope", "", "node1,node=node2"]);
                var signature = random.Chance(0.5) ? Convert.ToBase64String(FuzzInputs.RandomBytes(random, 32)) : FuzzInputs.RandomText(random, 20);
                return ("Authorization", random.Next(6) switch
                {
                    0 => "Conjur-Node",
                    1 => $"Conjur-Node {FuzzInputs.RandomText(random, 60)}",
                    2 => "Conjur-Node " + new string('n', random.Next(1_000, 5_000)),
                    _ => $"Conjur-Node {NodeSignature.Header(node, ts, signature)}",
                });
            default:
                return random.Next(12) switch
                {
                    < 6 => ("Authorization", $"Token token=\"{t.FuzzerToken}\""),
                    6 => null,
                    7 => ("Authorization", $"Token token=\"{Mangle(random, t.FuzzerToken)}\""),
                    8 => ("Authorization", $"Token token=\"{t.FuzzerToken[..random.Next(t.FuzzerToken.Length)]}\""),
                    9 => ("Authorization", $"Token token=\"{Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"protected\":\"e30\",\"payload\":\"e30\",\"signature\":\"AA\"}"))}\""),
                    10 => ("Authorization", random.Pick<string>([$"Token token={t.FuzzerToken}", $"Bearer {t.FuzzerToken}", "Token token=\"\"", "Token", "Token token=\"" + new string('=', 5_000) + "\""])),
                    _ => ("Authorization", $"Token token=\"{Convert.ToBase64String(FuzzInputs.RandomBytes(random, random.Next(1, 600)))}\""),
                };
        }
    }

    /// <summary>A signed audit batch as the follower would send it: gets past authentication to the batch's parsing.</summary>
    private static (string, string) SignAsFollower(FuzzTargets t, byte[] body)
    {
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var sig = NodeSignature.Sign(t.FollowerSigningKey, NodeSignature.AuditBatch(ts, t.FollowerId, NodeSignature.BodyHash(body)));
        return ("Authorization", $"{NodeSignature.Scheme} {NodeSignature.Header(t.FollowerId, ts, sig)}");
    }

    private static string Mangle(Random random, string value)
    {
        var chars = value.ToCharArray();
        chars[random.Next(chars.Length)] = (char)random.Next(33, 127);
        return new string(chars);
    }

    private static ((string, string) Header, bool MayClose) ExtraHeader(Random random) => random.Next(10) switch
    {
        0 => (("X-Forwarded-For", random.Pick<string>(["10.0.0.1", "1.2.3.4, 127.0.0.1", "not-an-ip", new string('9', 500)])), false),
        1 => (("X-Conjur-Hop", FuzzInputs.RandomText(random, 44)), false),
        2 => (("Conjur-Forwarded-Client", $"for=10.9.8.7,node=node1,ts={DateTimeOffset.UtcNow.ToUnixTimeSeconds()},sig=AAAA"), false),
        3 => (("X-Fuzz", new string('h', random.Next(33_000, 70_000))), true),
        4 => (("Transfer-Encoding", "chunked"), true),
        5 => (("Expect", "100-continue"), false),
        6 => (("Content-Encoding", random.Pick<string>(["gzip", "br", "deflate", "x"])), false),
        7 => (("Accept-Encoding", "base64"), false),
        8 => (("X-Conjur-Forwarded-By", "127.0.0.1"), false),
        _ => (("Accept", random.Pick<string>(["application/json", "text/event-stream", "*/*", "\0"])), false),
    };

    private static (byte[] Bytes, bool Incomplete) ChunkedRequest(string method, string target, List<(string, string)> headers, byte[]? body, Random random)
    {
        var head = RawHttp.Build(method, target, headers, body: null);
        var payload = body ?? [];
        var size = Encoding.Latin1.GetBytes(payload.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n");
        return random.Next(4) switch
        {
            0 => ([.. head, .. "zz\r\nnot hex\r\n0\r\n\r\n"u8.ToArray()], false),
            1 => ([.. head, .. size, .. payload], true),
            2 => ([.. head, .. "FFFFFFFFFFFFFFFF\r\nx\r\n"u8.ToArray()], true),
            _ => ([.. head, .. size, .. payload, .. "\r\n0\r\n\r\n"u8.ToArray()], false),
        };
    }
}
