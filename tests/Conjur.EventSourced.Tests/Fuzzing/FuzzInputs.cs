using System.Globalization;
using System.Text;

namespace Conjur.EventSourced.Tests.Fuzzing;

/// <summary>
/// The raw material of hostile requests: path segments that try to escape or confuse routing, bodies that are
/// random, truncated, oversized or nested past any parser's patience. Every choice comes from the caller's seeded
/// <see cref="Random"/>, so a failing request can be made again from its seed.
/// </summary>
public static class FuzzInputs
{
    /// <summary>Path segments as they go on the wire (already escaped, or deliberately not).</summary>
    public static readonly string[] HostileSegments =
    [
        "..", "../..", "%2e%2e", "%2E%2E%2F%2E%2E", "..%2f..%2fsecrets", "%2e%2e%5c", ".%00.", "%00", "a%00b", "\0",
        "%ff%fe", "%c0%ae%c0%ae", "%", "%zz", "%2", "a%2fb", "%2f%2f", "//", ".", "~", "%7e", "%20", "+", "%2B",
        "'%20OR%20'1'='1", "%27%3B%20DROP%20TABLE%20secrets_resources%3B--", "$(id)", "%24%7Bjndi%3Aldap%3A%2F%2Fx%7D",
        "%E5%AF%86%E7%A0%81", "%F0%9F%94%91", "%ED%A0%80", "CON", "nul", "*", "%2A", "?", "%3F", "#", "%23", ";", "%3B",
        "00000000-0000-0000-0000-000000000000", "-1", "99999999999999999999", "1e309", "NaN", "true", "null", "[]", "{}",
        "admin", "root", "host%2Fadmin", "policy%2Froot", "variable%2F..%2F..%2Fdata.key", "..%252f..%252f",
    ];

    public static readonly string[] HostileQueryValues =
    [
        "", "-1", "0", "2147483648", "99999999999999999999", "1e309", "NaN", "abc", "%00", "..%2f..", "%ff", "true", "yes",
        "1970-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01", "2026-13-45T99:99:99Z", "now", "%27", "%3Cscript%3E",
        "a,b,,c", ",,,", "x%2Cy", "00000000-0000-0000-0000-000000000000",
    ];

    public static readonly string[] OddMethods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT", "FUZZ", "get", "G\0T", "PROPFIND"];

    public static T Pick<T>(this Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    public static bool Chance(this Random random, double p) => random.NextDouble() < p;

    private const string Punctuation = "'\"\\{}[]:-&*!|>%@`#,?\n\t";

    public static string RandomText(Random random, int length)
    {
        var sb = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            sb.Append(random.Next(10) switch
            {
                0 => (char)random.Next(0, 32),
                1 => (char)random.Next(0x80, 0x800),
                2 => Punctuation[random.Next(Punctuation.Length)],
                _ => (char)random.Next(32, 127),
            });
        }
        return sb.ToString();
    }

    public static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A segment: a good value most of the time, so requests get past routing into the handlers.</summary>
    public static string Segment(Random random, IReadOnlyList<string> good) => random.Next(10) switch
    {
        < 6 => random.Pick(good),
        < 9 => random.Pick(HostileSegments),
        _ => Uri.EscapeDataString(RandomText(random, random.Next(1, 40))),
    };

    /// <summary>Odd shapes of a whole path: traversal, doubled and dot segments, a NUL, a very long path, absolute form.</summary>
    public static string MutatePath(Random random, string path, int port) => random.Next(12) switch
    {
        0 => path + "/..",
        1 => path.Replace("/", "//", StringComparison.Ordinal),
        2 => "/." + path,
        3 => "/x/.." + path,
        4 => path + "%00",
        5 => path + "/%2e%2e/%2e%2e/secrets",
        6 => path.ToUpperInvariant(),
        7 => path + "/",
        8 => $"http://127.0.0.1:{port}{path}",
        9 => path + "/" + new string('a', random.Next(2_000, 20_000)),
        10 => path.Replace("/", "%2f", StringComparison.Ordinal),
        _ => path + "\0.json",
    };

    /// <summary>Query strings from a route's own parameters, with hostile values, duplicates and junk ones.</summary>
    public static string Query(Random random, IReadOnlyList<(string Name, IReadOnlyList<string> Good)> parameters)
    {
        var parts = new List<string>();
        foreach (var (name, good) in parameters)
        {
            if (random.Chance(0.5))
            {
                parts.Add($"{name}={(random.Chance(0.6) ? random.Pick(good) : random.Pick(HostileQueryValues))}");
                if (random.Chance(0.1))
                {
                    parts.Add($"{name}={random.Pick(HostileQueryValues)}");
                }
            }
        }
        if (random.Chance(0.15))
        {
            parts.Add(random.Next(4) switch
            {
                0 => "a=" + new string('b', random.Next(1_000, 9_000)),
                1 => "%00=%00",
                2 => "&&&==&",
                _ => Uri.EscapeDataString(RandomText(random, 12)) + "=" + Uri.EscapeDataString(RandomText(random, 12)),
            });
        }
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    /// <summary>Policy YAML: valid statements (so some loads get far), mutated, truncated, nested, aliased, oversized.</summary>
    public static byte[] PolicyYaml(Random random, string hostLogin)
    {
        string[] statements =
        [
            "- !variable v{0}\n",
            "- !host h{0}\n",
            "- !group g{0}\n",
            "- !layer l{0}\n",
            "- !user u{0}\n",
            "- !webservice w{0}\n",
            "- !policy\n  id: p{0}\n  body:\n    - !variable inner{0}\n",
            "- !variable\n  id: v{0}\n  kind: password\n  mime_type: text/plain\n  annotations:\n    description: \"" + new string('x', 300) + "\"\n",
            "- !permit\n  role: !host h{0}\n  privileges: [read, execute]\n  resource: !variable v{0}\n",
            "- !grant\n  role: !group g{0}\n  member: !host h{0}\n",
            "- !grant\n  role: !policy /root\n  member: !host /" + hostLogin + "\n",
            "- !grant {role: !group /admins, member: !host h{0}}\n",
            "- !permit {role: !host h{0}, privileges: [read], resource: !variable /fuzz-hidden}\n",
            "- !host\n  id: r{0}\n  restricted_to: [10.0.0.0/8, \"::1\", 999.1.1.1, not-a-cidr]\n",
            "- !variable\n  id: o{0}\n  owner: !user /admin\n",
            "- !delete\n  record: !variable /fuzz-hidden\n",
            "- !revoke\n  role: !policy /root\n  member: !host /" + hostLogin + "\n",
            "- !deny\n  role: !host h{0}\n  privilege: read\n  resource: !variable v{0}\n",
            "- !host-factory\n  id: f{0}\n  layers: [!layer l{0}]\n",
            "- !variable {id: \"../../etc/passwd\"}\n",
            "- !variable {id: \"\\u0000\"}\n",
            "- !variable {id: " + new string('z', 600) + "}\n",
            "- !frobnicate x{0}\n",
            "- !variable\n  id: d{0}\n  id: e{0}\n",
            "- !policy\n  id: q{0}\n  owner: !group /nobody\n  body: []\n",
            "- !variable\n\tid: tab{0}\n",
            "- !!binary aGVsbG8=\n",
            "- !variable [a, b, c]\n",
            "-- !variable x\n",
            "- !variable &anchor a{0}\n- *anchor\n",
        ];
        switch (random.Next(20))
        {
            case 0: return Encoding.UTF8.GetBytes(new string('[', random.Next(100, 20_000)));
            case 1: return Encoding.UTF8.GetBytes("- !policy\n  id: n\n  body:\n" + Nested(random.Next(50, 3_000)));
            case 2: return Encoding.UTF8.GetBytes(AliasBomb(random));
            case 3: return RandomBytes(random, random.Next(0, 4_000));
            case 4: return Encoding.UTF8.GetBytes(RandomText(random, random.Next(0, 4_000)));
            case 5 when random.Chance(0.1): return Encoding.UTF8.GetBytes("- !variable big\n# " + new string('x', (1 << 20) + random.Next(1, 100_000)) + "\n");
            case 6 when random.Chance(0.3): return Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, random.Next(9_990, 10_100)).Select(i => $"- !variable many{i}\n")));
            case 7: return Encoding.UTF8.GetBytes(new string('{', random.Next(100, 20_000)) + "a: b");
            case 8: return [];
        }
        var text = new StringBuilder();
        for (var i = random.Next(1, 8); i > 0; i--)
        {
            text.Append(random.Pick(statements).Replace("{0}", random.Next(1_000_000).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        }
        var yaml = Encoding.UTF8.GetBytes(text.ToString());
        return random.Next(4) switch
        {
            0 => yaml[..random.Next(yaml.Length + 1)],
            1 => Flip(random, yaml),
            _ => yaml,
        };
    }

    /// <summary>JSON: a route's template, mutated, truncated, nested, retyped, or not JSON at all.</summary>
    public static byte[] Json(Random random, string template)
    {
        var bytes = Encoding.UTF8.GetBytes(template);
        switch (random.Next(12))
        {
            case 0: return bytes[..random.Next(bytes.Length)];
            case 1: return Flip(random, bytes);
            case 2: return Encoding.UTF8.GetBytes(new string('[', random.Next(100, 20_000)) + new string(']', random.Next(0, 100)));
            case 3: return Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", random.Next(65, 20_000))) + "1");
            case 4: return RandomBytes(random, random.Next(0, 2_000));
            case 5: return Encoding.UTF8.GetBytes("{\"x\":\"" + new string('y', random.Next(10_000, 100_000)) + "\"}");
            case 6: return Encoding.UTF8.GetBytes(template.Replace("\"", "'", StringComparison.Ordinal));
            case 7: return Encoding.UTF8.GetBytes(template.TrimEnd('}') + ",\"extra\":1e99999,\"n\":\"\\ud800\",\"t\":[true,null,{}]}");
            case 8: return Encoding.UTF8.GetBytes(template + template);
            case 9: return [];
            case 10: return Encoding.Unicode.GetBytes(template);
            default: return bytes;
        }
    }

    /// <summary>A secret value: empty, binary, text, large, and now and then over the limit.</summary>
    public static byte[] SecretValue(Random random, long limit) => random.Next(40) switch
    {
        0 => new byte[limit + 1 + random.Next(1_000)],
        1 => [],
        < 10 => RandomBytes(random, random.Next(1, 100_000)),
        _ => Encoding.UTF8.GetBytes(RandomText(random, random.Next(1, 500))),
    };

    private static string Nested(int depth)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            sb.Append(' ', 4 + (2 * i)).Append("- !policy\n").Append(' ', 6 + (2 * i)).Append("id: n\n").Append(' ', 6 + (2 * i)).Append("body:\n");
        }
        return sb.ToString();
    }

    private static string AliasBomb(Random random)
    {
        var sb = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        var levels = random.Next(3, 12);
        for (var i = 1; i < levels; i++)
        {
            var prev = (char)('a' + i - 1);
            var name = (char)('a' + i);
            sb.Append(name).Append(": &").Append(name).Append(" [").Append(string.Join(',', Enumerable.Repeat("*" + prev, 9))).Append("]\n");
        }
        return sb.ToString();
    }

    private static byte[] Flip(Random random, byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        for (var i = random.Next(1, 6); i > 0 && copy.Length > 0; i--)
        {
            copy[random.Next(copy.Length)] = (byte)random.Next(256);
        }
        return copy;
    }
}
