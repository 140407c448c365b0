using System.Text;
using System.Text.Json;

namespace Conjur.EventSourced.Tests.Fuzzing;

/// <summary>
/// Every HTTP route of the agent and of the control plane, one entry per route kind (method and template as mapped).
/// <c>RouteCoverageTests</c> fails when a part maps a route that is not here, so a new route is fuzzed from its first day.
/// A path that matches no route is a kind of its own.
/// </summary>
public static class FuzzRoutes
{
    /// <summary>Mapped only when an agent runs with the test-only audit producer; never in a deployed cluster.</summary>
    public static readonly IReadOnlyList<string> TestOnly = ["/audit/test/records"];

    public const string UnknownPath = "{unknown}";

    private const string NotANode = "fuzz-node-x";

    public static IReadOnlyList<FuzzRoute> Agent(FuzzTargets t)
    {
        string[] accounts = [t.Account, "other", "acme", "conjur"];
        string[] kinds = ["variable", "host", "user", "policy", "group", "layer", "webservice"];
        string[] variables = [t.OpenVariable, t.HiddenVariable, "fuzz%2Fv1", "fuzz/v1", "nope", $"{t.OpenVariable}%2F..%2F{t.HiddenVariable}"];
        string[] logins = [Uri.EscapeDataString(t.FuzzerLogin), "admin", t.FuzzerLogin, "host%2Fnope", "user%2Fadmin"];
        string[] policies = ["fuzz", "root", "fuzz/sub", "fuzz%2Fsub", "nope"];
        string[] variableIds = [$"{t.Account}:variable:{t.OpenVariable}", $"{t.Account}:variable:{t.HiddenVariable}", "a:b", "::", $"{t.Account}:variable:{t.OpenVariable},{t.Account}:variable:{t.HiddenVariable}"];
        var secrets = new Dictionary<string, IReadOnlyList<string>> { ["account"] = accounts, ["kind"] = kinds, ["id"] = variables };
        var policy = new Dictionary<string, IReadOnlyList<string>> { ["account"] = accounts, ["id"] = policies };
        FuzzRoute Route(string method, string template) => new(FuzzPart.Agent, method, template) { MayBeUnavailable = true, Credential = FuzzCredential.ConjurToken };
        FuzzRoute Policy(string method) => Route(method, "/policies/{account}/policy/{**id}") with
        {
            Segments = policy,
            Body = (r, _) => FuzzInputs.PolicyYaml(r, t.FuzzerLogin),
            ContentType = "application/x-yaml",
        };
        return
        [
            Route("GET", "/health") with { Credential = FuzzCredential.None },
            Route("GET", "/info") with { Credential = FuzzCredential.None },
            Route("GET", "/metrics") with { Credential = FuzzCredential.None },
            Route("GET", "/whoami"),
            Route("GET", "/resources/{account}/{kind?}") with
            {
                Segments = new Dictionary<string, IReadOnlyList<string>> { ["account"] = accounts, ["kind"] = kinds },
                Query = [("limit", ["1", "10", "1000"]), ("offset", ["0", "5"]), ("count", ["true", "false"]), ("kind", kinds), ("search", ["fuzz", "%25", "_"])],
            },
            Route("GET", "/authn/{account}/login") with { Segments = new Dictionary<string, IReadOnlyList<string>> { ["account"] = accounts }, Credential = FuzzCredential.BasicLogin },
            Route("POST", "/authn/{account}/{login}/authenticate") with
            {
                Segments = new Dictionary<string, IReadOnlyList<string>> { ["account"] = accounts, ["login"] = logins },
                Credential = FuzzCredential.None,
                Body = (r, _) => r.Next(5) switch
                {
                    0 => Encoding.UTF8.GetBytes(t.FuzzerApiKey),
                    1 => Encoding.UTF8.GetBytes(new string('k', r.Next(4_000, 120_000))),
                    2 => FuzzInputs.RandomBytes(r, r.Next(0, 200)),
                    3 => Encoding.UTF8.GetBytes(t.FuzzerApiKey[..r.Next(t.FuzzerApiKey.Length)]),
                    _ => Encoding.UTF8.GetBytes(FuzzInputs.RandomText(r, r.Next(0, 100))),
                },
                ContentType = "text/plain",
            },
            Route("GET", "/secrets/{account}/{kind}/{**id}") with { Segments = secrets, Query = [("version", ["1", "2", "0"])] },
            Route("POST", "/secrets/{account}/{kind}/{**id}") with { Segments = secrets, Body = (r, _) => FuzzInputs.SecretValue(r, t.MaxSecretBytes), ContentType = "application/octet-stream" },
            Route("GET", "/secrets") with { Query = [("variable_ids", variableIds)] },
            Policy("POST"),
            Policy("PUT"),
            Policy("PATCH"),
            Route("POST", "/internal/accounts/{account}") with
            {
                Segments = new Dictionary<string, IReadOnlyList<string>> { ["account"] = ["fuzz2", t.Account, "a", new string('a', 300)] },
                Credential = FuzzCredential.Bootstrap,
            },
            Route("POST", "/audit/records") with
            {
                Credential = FuzzCredential.NodeSignature,
                Body = (r, _) => FuzzInputs.Json(r, AuditBatch(r, t)),
                ContentType = "application/json",
            },
            Route("GET", UnknownPath) with { Credential = FuzzCredential.ConjurToken },
        ];
    }

    public static IReadOnlyList<FuzzRoute> ControlPlane(FuzzTargets t)
    {
        string[] guids = [Guid.NewGuid().ToString(), "00000000-0000-0000-0000-000000000000", Guid.NewGuid().ToString("N")];
        string[] nodes = [.. t.NodeIds, "nope", NotANode];
        var guid = new Dictionary<string, IReadOnlyList<string>> { ["id"] = guids, ["failoverId"] = guids };
        var node = new Dictionary<string, IReadOnlyList<string>> { ["id"] = nodes };
        FuzzRoute Read(string template) => new(FuzzPart.ControlPlane, "GET", template) { Credential = FuzzCredential.Viewer };
        FuzzRoute Command(string template, string body, string field) => new FuzzRoute(FuzzPart.ControlPlane, "POST", template)
        {
            Credential = FuzzCredential.Operator,
            Body = (r, _) => FuzzInputs.Json(r, body),
            ContentType = "application/json",
            OperatorSafe = (_, _, query, b) => (query, NamesNoMember(b, field, t.NodeIds) ? b : Encoding.UTF8.GetBytes(body)),
        };
        return
        [
            new FuzzRoute(FuzzPart.ControlPlane, "POST", "/api/session") { Credential = FuzzCredential.Viewer, Body = (r, _) => FuzzInputs.Json(r, "{}"), ContentType = "application/json" },
            Read("/api/failovers"),
            Read("/api/failovers/{id:guid}") with { Segments = guid },
            Read("/api/failovers/timeline"),
            Read("/api/failovers/{id:guid}/timeline") with { Segments = guid },
            Command("/api/switchover", $"{{\"target\":\"{NotANode}\"}}", "target"),
            Command("/api/promote", $"{{\"node\":\"{NotANode}\",\"force\":true}}", "node"),
            Command("/api/reenroll", $"{{\"node\":\"{NotANode}\"}}", "node"),
            Read("/api/nodes/{id}/events") with { Segments = node, Query = [("limit", ["1", "50", "100000"])] },
            Read("/api/nodes/{id}/history") with { Segments = node },
            Read("/api/traces/{failoverId:guid}") with { Segments = guid },
            new FuzzRoute(FuzzPart.ControlPlane, "POST", "/api/retention/apply") { Credential = FuzzCredential.Operator, ContentType = "application/json", Body = (r, _) => FuzzInputs.Json(r, "{}") },
            Read("/api/projections"),
            new FuzzRoute(FuzzPart.ControlPlane, "POST", "/api/projections/rebuild")
            {
                Credential = FuzzCredential.Operator,
                Query = [("projection", ["NodeStatus", "nope", "ClusterView"])],
                ContentType = "application/json",
                Body = (r, _) => FuzzInputs.Json(r, "{}"),
                // A real rebuild now and then (the operator may run one at any time); otherwise one of no projection.
                OperatorSafe = (r, _, query, b) => (r.Chance(0.005) ? "" : "?projection=" + Uri.EscapeDataString("no-such-" + FuzzInputs.RandomText(r, 6)), b),
            },
            Read("/api/cluster/events") with { Query = [("limit", ["1", "10", "100000"])] },
            Read("/api/events") with
            {
                Query = [("stream", ["node1", "nope", ""]), ("type", ["node_heartbeat_recorded", "master_changed,failover_started", "NodeHeartbeat"]), ("from", ["2026-01-01T00:00:00Z"]), ("to", ["2030-01-01T00:00:00Z"]), ("limit", ["1", "1000"]), ("after", ["0", "5"])],
            },
            Read("/api/cluster") with { Query = [("at", ["2026-01-01T00:00:00Z", DateTimeOffset.UtcNow.ToString("O"), "1"])] },
            Read("/") with { Credential = FuzzCredential.None },
            Read("/dashboard") with { Credential = FuzzCredential.None },
            Read("/dashboard/{file}") with { Credential = FuzzCredential.None, Segments = new Dictionary<string, IReadOnlyList<string>> { ["file"] = ["index.html", "dashboard.js", "dashboard.css", "..%2fappsettings.json", "nope.js"] } },
            Read("/api/stream"),
            Read("/metrics"),
            Read(UnknownPath),
        ];
    }

    /// <summary>True when the body, read as JSON, names in <paramref name="field"/> something that is not a member (so no command can follow).</summary>
    private static bool NamesNoMember(byte[]? body, string field, IReadOnlyList<string> members)
    {
        if (body is null || body.Length == 0)
        {
            return false;
        }
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }
            var values = doc.RootElement.EnumerateObject().Where(p => p.Name.Equals(field, StringComparison.OrdinalIgnoreCase)).ToList();
            return values.Count == 1 && values[0].Value.ValueKind == JsonValueKind.String
                && !members.Any(m => m.Equals(values[0].Value.GetString()?.Trim(), StringComparison.OrdinalIgnoreCase));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON to the handler either (or a string no member has, such as a lone surrogate): refused before any node is looked at.
            return true;
        }
    }

    private static string AuditBatch(Random random, FuzzTargets t)
    {
        var origin = random.Chance(0.7) ? t.FollowerId : random.Pick<string>([.. t.NodeIds, "nope", ""]);
        var records = Enumerable.Range(0, random.Next(0, 4)).Select(i => new
        {
            sequence = random.Chance(0.8) ? random.NextInt64(1, 1L << 40) : -random.Next(1000),
            timestamp = DateTimeOffset.UtcNow.AddSeconds(-random.Next(100_000)),
            messageId = random.Pick<string>(["fetch", "policy", "authn", "", FuzzInputs.RandomText(random, 20)]),
            operation = "fetch",
            success = random.Chance(0.5),
            message = FuzzInputs.RandomText(random, random.Next(0, 300)),
            user = $"{t.Account}:host:fuzz",
            subject = $"{t.Account}:variable:{t.OpenVariable}",
            clientIp = random.Pick<string>(["127.0.0.1", "::1", "not-an-ip", "999.1.1.1"]),
        });
        return JsonSerializer.Serialize(new { origin, records });
    }
}
