using Conjur.EventSourced.Hosting.Tls;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Tests.Fixtures;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Integration.Access;

/// <summary>
/// Given a healthy cluster, an attacker on the same host calls the control plane's API: every route that changes
/// the cluster (switchover, forced promotion, re-enrolment, retention, projection rebuild) without a credential,
/// with a wrong one, with the viewer's or with a session cookie is refused and nothing moves; the operator's
/// credential works and the event store names it; reads need the viewer's; a foreign Host header, a form post
/// and a GET change nothing; a follower is never force-promoted. Each test leaves the cluster healthy with no
/// failover running, so they run in any order.
/// </summary>
[Collection("clusters-b")]
public sealed class OperatorApiAccessTests(ClusterForOperatorAuth cluster, ITestOutputHelper output) : IClassFixture<ClusterForOperatorAuth>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private const string WrongToken = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private string Url => cluster.Config.ControlPlaneUrl;
    private string OperatorToken => ApiTokens.Operator(cluster.Config);
    private string ViewerToken => ApiTokens.Viewer(cluster.Config);
    private string OperatorStream => $"{cluster.Config.ClusterId}/operator";

    /// <summary>Every route that changes the cluster, with a body that would be accepted from the operator.</summary>
    private static IReadOnlyList<(string Path, object Body)> MutatingRoutes(string standby) =>
    [
        ("/api/switchover", new { target = standby }),
        ("/api/promote", new { node = standby, force = true }),
        ("/api/reenroll", new { node = standby }),
        ("/api/retention/apply", new { }),
        ("/api/projections/rebuild", new { }),
    ];

    private static readonly string[] ReadRoutes =
    [
        "/api/cluster", "/api/cluster/events", "/api/events?limit=5", "/api/failovers", "/api/failovers/timeline", "/api/projections",
        "/api/nodes/node1/events", "/api/nodes/node1/history", "/metrics",
    ];

    [Theory]
    [InlineData("none", 401, "no-credential")]
    [InlineData("wrong", 401, "wrong-credential")]
    [InlineData("not-bearer", 401, "wrong-credential")]
    [InlineData("viewer", 403, "viewer-cannot-mutate")]
    [InlineData("operator-session-cookie", 401, "cookie-not-accepted")]
    public async Task MutatingRoutes_WithoutTheOperatorsCredential_RefusedAndNothingChanged(string credential, int status, string reason)
    {
        var since = DateTimeOffset.UtcNow;
        var (master, standby) = await MasterAndStandbyAsync();
        var failovers = await FailoverCountAsync();
        var cookie = credential == "operator-session-cookie" ? await SessionCookieAsync(OperatorToken) : null;

        foreach (var (path, body) in MutatingRoutes(standby))
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Url + path) { Content = Json(body) };
            switch (credential)
            {
                case "wrong": request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", WrongToken); break;
                case "not-bearer": request.Headers.Authorization = new AuthenticationHeaderValue("Basic", OperatorToken); break;
                case "viewer": request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ViewerToken); break;
                case "operator-session-cookie": request.Headers.Add("Cookie", cookie); break;
            }
            using var response = await SendAsync(request);

            ((int)response.StatusCode).ShouldBe(status, $"POST {path} with {credential}");
            (await ErrorAsync(response)).ShouldNotBeNullOrWhiteSpace();
            if (status == 401)
            {
                response.Headers.WwwAuthenticate.ShouldContain(h => h.Scheme == "Bearer");
            }
        }

        // Nothing moved: same master, no failover, no request carried out; every refusal recorded with its reason.
        (await MasterAsync()).ShouldBe(master);
        (await FailoverCountAsync()).ShouldBe(failovers);
        (await OperatorEventsAsync("operator_request_authorized", since)).ShouldBeEmpty();
        (await ClusterEventsAsync("node_reenroll_requested", since)).ShouldBeEmpty();
        var refused = new List<JsonElement>();
        await Wait.ForAsync("the five refusals to be recorded in the operator stream", async _ =>
        {
            refused = [.. (await OperatorEventsAsync("operator_request_refused", since)).Where(e => e.GetProperty("reason").GetString() == reason)];
            return refused.Count >= 5;
        }, TimeSpan.FromSeconds(30), Poll);
        refused.Select(e => e.GetProperty("path").GetString()).ShouldBe(MutatingRoutes(standby).Select(r => r.Path), ignoreOrder: true);
        refused.ShouldAllBe(e => e.GetProperty("status").GetInt32() == status && e.GetProperty("address").GetString() == "127.0.0.1");
        if (credential == "viewer")
        {
            refused.ShouldAllBe(e => e.GetProperty("credential").GetString() == "viewer");
        }
    }

    [Fact]
    public async Task Switchover_WithASecondOperatorsCredential_MovesTheMaster_TheStoreNamesTheCredential()
    {
        var since = DateTimeOffset.UtcNow;
        var (master, standby) = await MasterAndStandbyAsync();

        using var response = await PostAsync("/api/switchover", cluster.AliceToken, new { target = standby });

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var id = (await JsonAsync(response)).GetProperty("failoverId").GetGuid();
        var failover = await FailoverEndedAsync(id);
        failover.GetProperty("failover").GetProperty("state").GetString().ShouldBe("Completed", failover.GetRawText());
        (await MasterAsync()).ShouldBe(standby);
        // The saga's own stream says who asked (the credential's name, and the address beside it); so does the operator stream.
        failover.GetProperty("events")[0].GetProperty("detail").GetString().ShouldNotBeNull().ShouldContain("requested by alice from 127.0.0.1");
        (await OperatorEventsAsync("operator_request_authorized", since))
            .ShouldContain(e => e.GetProperty("credential").GetString() == "alice" && e.GetProperty("path").GetString() == "/api/switchover"
                && e.GetProperty("role").GetString() == "operator");
        output.WriteLine($"switchover {master} -> {standby} by alice: {failover.GetProperty("failover").GetProperty("completedAt")}");
        await AllHealthyAsync();
    }

    [Fact]
    public async Task ForcedPromotion_WithTheOperatorsCredential_Accepted_AndTheAgentRefusesWhileTheMasterLeads()
    {
        var since = DateTimeOffset.UtcNow;
        var (master, standby) = await MasterAndStandbyAsync();

        using var response = await PostAsync("/api/promote", OperatorToken, new { node = standby, force = true });

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var id = (await JsonAsync(response)).GetProperty("failoverId").GetGuid();
        var failover = await FailoverEndedAsync(id);
        failover.GetProperty("events")[0].GetProperty("detail").GetString().ShouldNotBeNull().ShouldContain("forced failover requested by operator from 127.0.0.1");
        // etcd still decides: the agent refuses while the master holds the leader lease, so nothing moves.
        failover.GetProperty("failover").GetProperty("state").GetString().ShouldBe("Failed");
        failover.GetProperty("failover").GetProperty("failedReason").GetString().ShouldNotBeNull().ShouldContain("holds the leader lease");
        (await MasterAsync()).ShouldBe(master);
        (await OperatorEventsAsync("operator_request_authorized", since))
            .ShouldContain(e => e.GetProperty("credential").GetString() == "operator" && e.GetProperty("path").GetString() == "/api/promote");
    }

    [Fact]
    public async Task ForcedPromotionOfTheFollower_RefusedWithAReason_NothingStarted()
    {
        var master = await MasterAsync();
        var failovers = await FailoverCountAsync();

        using var response = await PostAsync("/api/promote", OperatorToken, new { node = "node4", force = true });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ErrorAsync(response)).ShouldContain("'node4' is a follower");
        (await FailoverCountAsync()).ShouldBe(failovers);
        (await MasterAsync()).ShouldBe(master);
    }

    [Fact]
    public async Task Reenroll_WithTheOperatorsCredential_TheClusterStreamNamesTheCredential_AndTheAgentAnswers()
    {
        var since = DateTimeOffset.UtcNow;
        var (_, standby) = await MasterAndStandbyAsync();

        using var response = await PostAsync("/api/reenroll", OperatorToken, new { node = standby });

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var requestId = (await JsonAsync(response)).GetProperty("requestId").GetGuid();
        var requested = (await ClusterEventsAsync("node_reenroll_requested", since)).ShouldHaveSingleItem();
        requested.GetProperty("requestedBy").GetString().ShouldBe("operator");
        requested.GetProperty("requestedFrom").GetString().ShouldBe("127.0.0.1");
        // A streaming standby answers at once that it already follows the master.
        await Wait.ForAsync($"{standby} to confirm the re-enrolment", async _ =>
            (await ClusterEventsAsync("node_reenroll_confirmed", since)).Any(e => e.GetProperty("requestId").GetGuid() == requestId), Bound, Poll);
        await AllHealthyAsync();
    }

    [Fact]
    public async Task RetentionAndRebuild_WithTheOperatorsCredential_Run_AndTheStoreNamesTheCredential()
    {
        var since = DateTimeOffset.UtcNow;

        using var retention = await PostAsync("/api/retention/apply", OperatorToken, new { });
        using var rebuild = await PostAsync("/api/projections/rebuild?projection=NodeHistory", OperatorToken, new { });

        retention.StatusCode.ShouldBe(HttpStatusCode.OK, await retention.Content.ReadAsStringAsync());
        rebuild.StatusCode.ShouldBe(HttpStatusCode.OK, await rebuild.Content.ReadAsStringAsync());
        (await JsonAsync(rebuild)).GetProperty("projections")[0].GetProperty("name").GetString().ShouldBe("NodeHistory");
        var authorized = await OperatorEventsAsync("operator_request_authorized", since);
        authorized.ShouldContain(e => e.GetProperty("credential").GetString() == "operator" && e.GetProperty("path").GetString() == "/api/retention/apply");
        authorized.ShouldContain(e => e.GetProperty("credential").GetString() == "operator" && e.GetProperty("path").GetString() == "/api/projections/rebuild?projection=NodeHistory");
    }

    [Fact]
    public async Task ReadRoutes_WithoutACredential401_WithTheViewers200()
    {
        foreach (var path in ReadRoutes)
        {
            using (var anonymous = await GetAsync(path, null))
            {
                anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, $"GET {path} without a credential");
                anonymous.Headers.WwwAuthenticate.ShouldContain(h => h.Scheme == "Bearer");
                (await ErrorAsync(anonymous)).ShouldContain("viewer or operator credential");
            }
            using (var wrong = await GetAsync(path, WrongToken))
            {
                wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, $"GET {path} with a wrong token");
            }
            using (var viewer = await GetAsync(path, ViewerToken))
            {
                viewer.StatusCode.ShouldBe(HttpStatusCode.OK, $"GET {path} with the viewer's token");
            }
        }
        using (var trace = await GetAsync($"/api/traces/{Guid.NewGuid()}", null))
        {
            trace.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        using (var trace = await GetAsync($"/api/traces/{Guid.NewGuid()}", ViewerToken))
        {
            trace.StatusCode.ShouldBe(HttpStatusCode.NotFound, "past the access check, a failover nobody traced");
        }
        using (var stream = await GetAsync("/api/stream", null, HttpCompletionOption.ResponseHeadersRead))
        {
            stream.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        using (var stream = await GetAsync("/api/stream", ViewerToken, HttpCompletionOption.ResponseHeadersRead))
        {
            stream.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task OpenRoutes_PageAndHealthzAnswerWithoutACredential_AndTellNothing()
    {
        using var page = await GetAsync("/", null);
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        page.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        page.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("frame-ancestors 'none'");

        using var health = await GetAsync("/healthz", null);
        health.StatusCode.ShouldBe(HttpStatusCode.OK);
        var anonymous = await JsonAsync(health);
        anonymous.GetProperty("status").GetString().ShouldBe("healthy");
        anonymous.GetProperty("checks").EnumerateObject().ShouldAllBe(c => c.Value.GetProperty("description").ValueKind == JsonValueKind.Null);
        using var known = await GetAsync("/healthz", ViewerToken);
        (await JsonAsync(known)).GetProperty("checks").EnumerateObject().ShouldContain(c => c.Value.GetProperty("description").ValueKind == JsonValueKind.String);
    }

    [Fact]
    public async Task DashboardSession_CookieIsStrictAndReadsOnly()
    {
        using var login = await PostAsync("/api/session", ViewerToken, new { });
        login.StatusCode.ShouldBe(HttpStatusCode.OK);
        var setCookie = login.Headers.GetValues("Set-Cookie").Single();
        setCookie.ShouldContain("httponly", Case.Insensitive);
        setCookie.ShouldContain("samesite=strict", Case.Insensitive);
        setCookie.ShouldContain("path=/api", Case.Insensitive);
        setCookie.ShouldContain("max-age=", Case.Insensitive);
        var cookie = setCookie.Split(';')[0];

        using var stream = new HttpRequestMessage(HttpMethod.Get, Url + "/api/stream");
        stream.Headers.Add("Cookie", cookie);
        using (var answer = await SendAsync(stream, HttpCompletionOption.ResponseHeadersRead))
        {
            answer.StatusCode.ShouldBe(HttpStatusCode.OK);
            answer.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        }
        using var made = new HttpRequestMessage(HttpMethod.Get, Url + "/api/cluster");
        made.Headers.Add("Cookie", "conjur_session=made-up");
        using (var answer = await SendAsync(made))
        {
            answer.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        using var anonymousLogin = await PostAsync("/api/session", null, new { });
        anonymousLogin.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ForeignHostHeader_Refused421BeforeAnyRoute_AConfiguredNameAccepted()
    {
        var since = DateTimeOffset.UtcNow;
        var (master, standby) = await MasterAndStandbyAsync();
        var port = cluster.Config.ControlPlane.HttpPort;

        using (var read = await SendAsync(WithHost(HttpMethod.Get, "/api/cluster", ViewerToken, $"rebound.example:{port}")))
        {
            read.StatusCode.ShouldBe(HttpStatusCode.MisdirectedRequest);
            (await ErrorAsync(read)).ShouldContain("allowedHosts");
        }
        var switchover = WithHost(HttpMethod.Post, "/api/switchover", OperatorToken, $"rebound.example:{port}");
        switchover.Content = Json(new { target = standby });
        using (var write = await SendAsync(switchover))
        {
            write.StatusCode.ShouldBe(HttpStatusCode.MisdirectedRequest);
        }
        using (var own = await SendAsync(WithHost(HttpMethod.Get, "/api/cluster", ViewerToken, $"localhost:{port}")))
        {
            own.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        using (var configured = await SendAsync(WithHost(HttpMethod.Get, "/api/cluster", ViewerToken, $"cp.test:{port}")))
        {
            configured.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        (await MasterAsync()).ShouldBe(master);
        await Wait.ForAsync("the host refusal to be recorded", async _ =>
            (await OperatorEventsAsync("operator_request_refused", since)).Any(e => e.GetProperty("reason").GetString() == "host-not-allowed"
                && e.GetProperty("host").GetString() == $"rebound.example:{port}"), TimeSpan.FromSeconds(30), Poll);
    }

    [Fact]
    public async Task FormOrPlainTextPost_WithTheOperatorsToken_415AndNothingMoved()
    {
        var since = DateTimeOffset.UtcNow;
        var (master, standby) = await MasterAndStandbyAsync();
        var failovers = await FailoverCountAsync();
        HttpContent[] bodies =
        [
            new FormUrlEncodedContent([new KeyValuePair<string, string>("target", standby)]),
            new StringContent($$"""{"target":"{{standby}}"}""", Encoding.UTF8, "text/plain"),
            new MultipartFormDataContent { { new StringContent(standby), "target" } },
        ];

        foreach (var body in bodies)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Url + "/api/switchover") { Content = body };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OperatorToken);
            using var response = await SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType, body.Headers.ContentType?.MediaType);
            (await ErrorAsync(response)).ShouldContain("application/json");
        }

        (await MasterAsync()).ShouldBe(master);
        (await FailoverCountAsync()).ShouldBe(failovers);
        (await OperatorEventsAsync("operator_request_authorized", since)).ShouldBeEmpty();
    }

    [Fact]
    public async Task GetOnAMutatingPath_WithTheOperatorsToken_ChangesNothing()
    {
        var since = DateTimeOffset.UtcNow;
        var (master, standby) = await MasterAndStandbyAsync();
        var failovers = await FailoverCountAsync();

        foreach (var path in new[] { $"/api/switchover?target={standby}", $"/api/promote?node={standby}&force=true", $"/api/reenroll?node={standby}",
                     "/api/retention/apply", "/api/projections/rebuild" })
        {
            using var response = await GetAsync(path, OperatorToken);
            response.StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed, path);
        }

        (await MasterAsync()).ShouldBe(master);
        (await FailoverCountAsync()).ShouldBe(failovers);
        (await OperatorEventsAsync("operator_request_authorized", since)).ShouldBeEmpty();
        (await ClusterEventsAsync("node_reenroll_requested", since)).ShouldBeEmpty();
    }

    [Fact]
    public async Task StatusJson_NamesThePrivateTokenFiles_AndNoLogHoldsAToken()
    {
        var report = await cluster.StatusAsync();

        report.Operator.TokenFile.ShouldBe(Path.Combine(cluster.Config.StateDir, "secrets", "operator", "operator.token"));
        report.Operator.ViewerTokenFile.ShouldBe(Path.Combine(cluster.Config.StateDir, "secrets", "operator", "viewer.token"));
        foreach (var file in new[] { report.Operator.TokenFile, report.Operator.ViewerTokenFile! })
        {
            File.GetUnixFileMode(file).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        // The requests above sent every token many times: none may appear in a log or an event.
        var tokens = new[] { OperatorToken, ViewerToken, cluster.AliceToken };
        foreach (var log in Directory.GetFiles(cluster.Config.LogsDir, "*.log"))
        {
            var text = await File.ReadAllTextAsync(log);
            tokens.ShouldAllBe(t => !text.Contains(t), log);
        }
        using var events = await GetAsync($"/api/events?stream={Uri.EscapeDataString(OperatorStream)}&limit=1000", ViewerToken);
        var body = await events.Content.ReadAsStringAsync();
        tokens.ShouldAllBe(t => !body.Contains(t));
    }

    // --- helpers -------------------------------------------------------------------------------------------

    private HttpRequestMessage WithHost(HttpMethod method, string path, string token, string host)
    {
        var request = new HttpRequestMessage(method, Url + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Host = host;
        return request;
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        // .NET checks the server's name against the Host header, and the Host tests below name other hosts: the chain is
        // still checked against tls.ca alone, only a name mismatch is let through (a rebinding browser would see one too).
        var handler = ClusterHttp.Handler(cluster.Config);
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, errors) =>
            errors is System.Net.Security.SslPolicyErrors.None or System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch;
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(120) };
        return await http.SendAsync(request, completion);
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string? token, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url + path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await SendAsync(request, completion);
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string? token, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url + path) { Content = Json(body) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await SendAsync(request);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }

    private static async Task<string> ErrorAsync(HttpResponseMessage response) =>
        (await JsonAsync(response)).GetProperty("error").GetString().ShouldNotBeNull();

    private async Task<JsonElement> ReadAsync(string path)
    {
        using var response = await GetAsync(path, ViewerToken);
        response.EnsureSuccessStatusCode();
        return await JsonAsync(response);
    }

    private async Task<string> SessionCookieAsync(string token)
    {
        using var login = await PostAsync("/api/session", token, new { });
        login.EnsureSuccessStatusCode();
        return login.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
    }

    private async Task<string> MasterAsync()
    {
        string? master = null;
        await Wait.ForAsync("the control plane to name a master", async _ =>
        {
            master = (await ReadAsync("/api/cluster")).GetProperty("master").GetString();
            return master is not null;
        }, Bound, Poll);
        return master!;
    }

    /// <summary>The master and a failover standby that is not the master (node2 or node3, whichever is not).</summary>
    private async Task<(string Master, string Standby)> MasterAndStandbyAsync()
    {
        var master = await MasterAsync();
        return (master, cluster.Config.FailoverStandbys.Select(n => n.Id).Concat(["node1"]).First(n => n != master));
    }

    private async Task<int> FailoverCountAsync() => (await ReadAsync("/api/failovers")).GetArrayLength();

    private async Task<JsonElement> FailoverEndedAsync(Guid id)
    {
        JsonElement doc = default;
        await Wait.ForAsync($"failover {id} to complete or fail", async _ =>
        {
            using var response = await GetAsync($"/api/failovers/{id}", ViewerToken);
            if (!response.IsSuccessStatusCode)
            {
                return false;
            }
            doc = await JsonAsync(response);
            return doc.GetProperty("failover").GetProperty("state").GetString() is "Completed" or "Failed";
        }, Bound, Poll);
        return doc;
    }

    /// <summary>
    /// The data of the operator stream's events of one type for requests made at or after <paramref name="since"/> (the
    /// control plane's clock when it took the request: the same host's clock, and every earlier test's requests came before).
    /// </summary>
    private async Task<IReadOnlyList<JsonElement>> OperatorEventsAsync(string type, DateTimeOffset since)
    {
        var page = await ReadAsync($"/api/events?stream={Uri.EscapeDataString(OperatorStream)}&type={type}&limit=1000");
        return [.. page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("data")).Where(d => At(d) >= since)];
    }

    private async Task<IReadOnlyList<JsonElement>> ClusterEventsAsync(string type, DateTimeOffset since)
    {
        var page = await ReadAsync("/api/cluster/events?limit=200");
        return [.. page.GetProperty("events").EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() == type && e.GetProperty("recordedAt").GetDateTimeOffset() >= since)
            .Select(e => e.GetProperty("data"))];
    }

    private static DateTimeOffset At(JsonElement data) =>
        DateTimeOffset.Parse(data.GetProperty("at").GetString()!, CultureInfo.InvariantCulture);

    private async Task AllHealthyAsync() =>
        await Wait.ForAsync("every node healthy in the control plane's view", async _ =>
            (await ReadAsync("/api/cluster")).GetProperty("nodes").EnumerateArray().All(n => n.GetProperty("healthy").GetBoolean()), Bound, Poll);
}
