using Conjur.EventSourced.Hosting.Tls;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Conjur.EventSourced.Cli.Secrets;
using Conjur.EventSourced.Hosting.Postgres;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.Tests.Fixtures;
using Npgsql;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Integration.Secrets;

/// <summary>
/// Given a four-node cluster with an account and, per scenario, a sub-policy that a host may load into:
/// the attacks on policy loading (records outside the sub-policy granted, permitted, declared over; fields
/// accepted and ignored; bodies that crash or hang a parser) are refused with nothing changed, and the
/// master's agent serves afterwards. Every scenario uses names of its own.
/// </summary>
[Collection("clusters-b")]
[TestCaseOrderer(StepOrderer.Name, StepOrderer.Assembly)]
public sealed class PolicyAuthorizationTests(ClusterForPolicyAuthorization cluster, ITestOutputHelper output) : IClassFixture<ClusterForPolicyAuthorization>
{
    private const string Account = ClusterForPolicyAuthorization.Account;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private string Lb => cluster.Config.LoadBalancerUrl;
    private NodeConfig Master => cluster.Config.Nodes.Single(n => n.Role == NodeRole.Master);
    private NodeConfig Follower => cluster.Config.Nodes.Single(n => n.Role == NodeRole.Follower);

    [Fact, Step(Order = 1)]
    public async Task GrantOfTheRootPolicy_FromASubPolicy_RefusedAndTheRootSecretStaysHidden()
    {
        // The issue's reproduction: a host with update on 'apps1' grants itself the root policy's role.
        var ci = await SubPolicyAsync("apps1", "update");
        (await FetchStatusAsync(ci, "apps1-root-secret")).ShouldBe(404);
        const string attack = "- !grant {role: !policy /root, member: !host /apps1-ci}\n";

        // POST needs create, which update does not give (Conjur's rule).
        (await LoadAsync(ci, HttpMethod.Post, "apps1", attack)).Status.ShouldBe(403);
        var patch = await LoadAsync(ci, HttpMethod.Patch, "apps1", attack);

        // A grant's role is relative to the policy loaded, as in Conjur: '/root' is refused before anything is looked up.
        patch.Status.ShouldBe(422, patch.Body);
        ErrorCode(patch.Body).ShouldBe("policy_invalid");
        ErrorMessage(patch.Body).ShouldContain("/root");
        ErrorMessage(patch.Body).ShouldContain("line 1");
        (await FetchStatusAsync(ci, "apps1-root-secret")).ShouldBe(404);
        (await CountAsync($"SELECT count(*) FROM secrets_memberships WHERE member_id = '{Account}:host:apps1-ci'")).ShouldBe(0);
    }

    [Fact, Step(Order = 2)]
    public async Task GrantOfARoleManagedOutside_Refused403_AndNothingOfThePolicyLoaded()
    {
        // The root policy declared a group inside apps2's namespace: apps2 does not manage it.
        var ci = await SubPolicyAsync("apps2", "update", """
            - !group apps2/admins
            - !permit
              role: !group apps2/admins
              privileges: [ read, execute ]
              resource: !variable apps2-root-secret
            """);
        var refused = await LoadAsync(ci, HttpMethod.Patch, "apps2", """
            - !host sneaky
            - !grant
              role: !group admins
              member: !host /apps2-ci
            """);

        refused.Status.ShouldBe(403, refused.Body);
        ErrorCode(refused.Body).ShouldBe("forbidden");
        ErrorMessage(refused.Body).ShouldContain("line 2");
        ErrorMessage(refused.Body).ShouldContain("!grant");
        ErrorMessage(refused.Body).ShouldContain($"{Account}:group:apps2/admins");
        (await CountAsync($"SELECT count(*) FROM secrets_resources WHERE resource_id = '{Account}:host:apps2/sneaky'")).ShouldBe(0);
        (await CountAsync($"SELECT count(*) FROM secrets_memberships WHERE member_id = '{Account}:host:apps2-ci'")).ShouldBe(0);
        (await FetchStatusAsync(ci, "apps2-root-secret")).ShouldBe(404);
        await AuditedFailureAsync("policy", $"{Account}:host:apps2-ci", "!grant");
    }

    [Fact, Step(Order = 3)]
    public async Task PermitOnAResourceManagedOutside_Refused_AndTheValueStaysHidden()
    {
        var ci = await SubPolicyAsync("apps3", "update", "- !variable apps3/db\n");
        using var lb = new ConjurClient(cluster.Config, Lb);
        await lb.SetSecretAsync(await AdminAsync(), Account, "apps3/db", "apps3-db-value"u8.ToArray(), CancellationToken.None);

        var refused = await LoadAsync(ci, HttpMethod.Patch, "apps3", """
            - !permit
              role: !host /apps3-ci
              privileges: [ read, execute ]
              resource: !variable db
            """);
        refused.Status.ShouldBe(403, refused.Body);
        ErrorMessage(refused.Body).ShouldContain("!permit");
        ErrorMessage(refused.Body).ShouldContain($"{Account}:variable:apps3/db");

        // An absolute resource is refused by the parser, as Conjur's resolver does.
        var absolute = await LoadAsync(ci, HttpMethod.Patch, "apps3", "- !permit {role: !host /apps3-ci, privilege: execute, resource: !variable /apps3-root-secret}\n");
        absolute.Status.ShouldBe(422, absolute.Body);

        (await FetchStatusAsync(ci, "apps3/db")).ShouldBe(404);
        (await FetchStatusAsync(ci, "apps3-root-secret")).ShouldBe(404);
        (await CountAsync($"SELECT count(*) FROM secrets_permissions WHERE role_id = '{Account}:host:apps3-ci' AND resource_id <> '{Account}:policy:apps3'")).ShouldBe(0);
    }

    [Fact, Step(Order = 4)]
    public async Task PolicyDeclaredOverOneManagedOutside_Refused403_AndNoOwnershipInserted()
    {
        var ci = await SubPolicyAsync("apps4", "update", """
            - !policy
              id: apps4/vault
              body:
                - !variable key
            """);
        var memberships = $"SELECT count(*) FROM secrets_memberships WHERE role_id = '{Account}:policy:apps4/vault' OR member_id = '{Account}:policy:apps4'";
        var before = await CountAsync(memberships);

        var refused = await LoadAsync(ci, HttpMethod.Patch, "apps4", "- !policy vault\n");

        refused.Status.ShouldBe(403, refused.Body);
        ErrorMessage(refused.Body).ShouldContain($"{Account}:policy:apps4/vault");
        (await CountAsync(memberships)).ShouldBe(before);
        (await CountAsync($"SELECT count(*) FROM secrets_resources WHERE resource_id = '{Account}:policy:apps4/vault' AND policy_id = '{Account}:policy:root'")).ShouldBe(1);
    }

    [Fact, Step(Order = 5)]
    public async Task DeclarationOfARecordManagedOutside_Refused403_AndItsOwnerUnchanged()
    {
        var ci = await SubPolicyAsync("apps5", "update", "- !variable apps5/token\n");

        var refused = await LoadAsync(ci, HttpMethod.Patch, "apps5", "- !variable {id: token, owner: !host /apps5-ci}\n");

        refused.Status.ShouldBe(403, refused.Body);
        (await ScalarAsync($"SELECT owner_id FROM secrets_resources WHERE resource_id = '{Account}:variable:apps5/token'")).ShouldBe($"{Account}:policy:root");
    }

    [Fact, Step(Order = 6)]
    public async Task LoadPrivileges_PostNeedsCreate_PatchUpdate_PutUpdateOnEverythingWithin()
    {
        var (updater, keys) = await SubPolicyWithKeysAsync("apps6", "update", """
            - !host apps6-maker
            - !permit
              role: !host apps6-maker
              privilege: create
              resource: !policy apps6
            """);
        (await LoadAsync(updater, HttpMethod.Post, "apps6", "- !variable a\n")).Status.ShouldBe(403);
        (await LoadAsync(updater, HttpMethod.Patch, "apps6", "- !variable a\n")).Status.ShouldBe(201);
        // PUT may delete anything apps6 holds: it needs update on all of it, and apps6/a is owned by apps6, not the updater.
        (await LoadAsync(updater, HttpMethod.Put, "apps6", "- !variable a\n")).Status.ShouldBe(403);
        (await LoadAsync(await AdminAsync(), HttpMethod.Put, "apps6", "- !variable a\n- !variable b\n")).Status.ShouldBe(201);
        // What a replace no longer declares is deleted.
        (await LoadAsync(await AdminAsync(), HttpMethod.Put, "apps6", "- !variable b\n")).Status.ShouldBe(201);
        (await CountAsync($"SELECT count(*) FROM secrets_resources WHERE resource_id = '{Account}:variable:apps6/a'")).ShouldBe(0);

        using var lb = new ConjurClient(cluster.Config, Lb);
        var maker = await lb.AuthenticateAsync(Account, "host/apps6-maker", keys[$"{Account}:host:apps6-maker"], CancellationToken.None);
        (await LoadAsync(maker, HttpMethod.Post, "apps6", "- !variable c\n")).Status.ShouldBe(201);
        (await LoadAsync(maker, HttpMethod.Patch, "apps6", "- !variable d\n")).Status.ShouldBe(403);
    }

    [Fact, Step(Order = 7)]
    public async Task Owner_Honoured_TheOwnerReadsWhatItOwns()
    {
        var ct = CancellationToken.None;
        using var lb = new ConjurClient(cluster.Config, Lb);
        var admin = await AdminAsync();
        var keys = await lb.LoadPolicyAsync(admin, Account, "root", """
            - !host owner7-keeper
            - !variable
              id: owner7/key
              owner: !host owner7-keeper
            - !policy
              id: owner7-team
              owner: !host owner7-keeper
              body:
                - !variable key
            """, ct);
        await lb.SetSecretAsync(admin, Account, "owner7/key", "owned-value"u8.ToArray(), ct);
        await lb.SetSecretAsync(admin, Account, "owner7-team/key", "team-value"u8.ToArray(), ct);
        var keeper = await lb.AuthenticateAsync(Account, "host/owner7-keeper", keys[$"{Account}:host:owner7-keeper"], ct);

        Encoding.UTF8.GetString((await lb.FetchAsync(keeper, Account, "owner7/key", ct)).Value).ShouldBe("owned-value");
        // The owner of a policy holds its role, so it owns what the policy holds.
        Encoding.UTF8.GetString((await lb.FetchAsync(keeper, Account, "owner7-team/key", ct)).Value).ShouldBe("team-value");

        var missing = await LoadAsync(admin, HttpMethod.Post, "root", "- !variable {id: owner7/other, owner: !host owner7-nobody}\n");
        missing.Status.ShouldBe(422, missing.Body);
        ErrorMessage(missing.Body).ShouldContain($"{Account}:host:owner7-nobody");
        (await CountAsync($"SELECT count(*) FROM secrets_resources WHERE resource_id = '{Account}:variable:owner7/other'")).ShouldBe(0);
    }

    [Fact, Step(Order = 8)]
    public async Task RestrictedTo_AHostOutsideItsRangeCannotAuthenticate_OneInsideCan()
    {
        var ct = CancellationToken.None;
        using var lb = new ConjurClient(cluster.Config, Lb);
        using var follower = new ConjurClient(cluster.Config, cluster.Config.ApiUrl(Follower));
        var admin = await AdminAsync();
        var keys = await lb.LoadPolicyAsync(admin, Account, "root", """
            - !host
              id: far8
              restricted_to: 10.0.0.0/8
            - !host
              id: near8
              restricted_to: [ 127.0.0.1/32, "::1" ]
            """, ct);
        var far = keys[$"{Account}:host:far8"];
        var near = keys[$"{Account}:host:near8"];

        (await AuthenticateStatusAsync(lb, "host/far8", far)).ShouldBe(401);
        (await LoginStatusAsync(Lb, "host/far8", far)).ShouldBe(401);
        (await AuthenticateStatusAsync(lb, "host/near8", near)).ShouldBe(200);
        (await LoginStatusAsync(Lb, "host/near8", near)).ShouldBe(200);
        // The follower enforces it from its replica too.
        await Wait.ForAsync("the follower to authenticate near8", async _ => await AuthenticateStatusAsync(follower, "host/near8", near) == 200, Bound, TimeSpan.FromMilliseconds(200));
        (await AuthenticateStatusAsync(follower, "host/far8", far)).ShouldBe(401);
        await AuditedFailureAsync("authn", $"{Account}:host:far8", "restricted_to");

        // A range with bits right of its mask, and a restriction on a record that cannot authenticate: refused, naming the field.
        var hostBits = await LoadAsync(admin, HttpMethod.Post, "root", "- !host {id: bad8, restricted_to: 10.0.0.1/8}\n");
        hostBits.Status.ShouldBe(422, hostBits.Body);
        ErrorMessage(hostBits.Body).ShouldContain("restricted_to");
        var onVariable = await LoadAsync(admin, HttpMethod.Post, "root", "- !variable {id: bad8, restricted_to: 10.0.0.0/8}\n");
        onVariable.Status.ShouldBe(422, onVariable.Body);
        ErrorMessage(onVariable.Body).ShouldContain("restricted_to");
    }

    [Fact, Step(Order = 9)]
    public async Task AnnotationsKindAndMimeType_StoredAndReturned()
    {
        var ct = CancellationToken.None;
        using var lb = new ConjurClient(cluster.Config, Lb);
        var admin = await AdminAsync();
        await lb.LoadPolicyAsync(admin, Account, "root", """
            - !variable
              id: annotated9/key
              kind: password
              mime_type: text/plain
              annotations:
                description: the payments database password
                team: payments
            """, ct);
        await lb.SetSecretAsync(admin, Account, "annotated9/key", "annotated-value"u8.ToArray(), ct);

        var (status, body) = await lb.SendAsync(HttpMethod.Get, $"resources/{Account}/variable", admin, null, ct);
        status.ShouldBe(200);
        using var doc = JsonDocument.Parse(body);
        var item = doc.RootElement.EnumerateArray().Single(r => r.GetProperty("id").GetString() == $"{Account}:variable:annotated9/key");
        var annotations = item.GetProperty("annotations").EnumerateArray()
            .ToDictionary(a => a.GetProperty("name").GetString()!, a => a.GetProperty("value").GetString());
        annotations.ShouldBe(new Dictionary<string, string?>
        {
            ["conjur/kind"] = "password",
            ["conjur/mime_type"] = "text/plain",
            ["description"] = "the payments database password",
            ["team"] = "payments",
        }, ignoreOrder: true);

        // mime_type is the Content-Type a fetch answers with, as in Conjur.
        using var http = ClusterHttp.Client(cluster.Config, Bound);
        http.BaseAddress = new Uri(Lb + "/");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"secrets/{Account}/variable/annotated9%2Fkey");
        request.Headers.TryAddWithoutValidation("Authorization", admin);
        using var response = await http.SendAsync(request, ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/plain");
    }

    [Fact, Step(Order = 10)]
    public async Task DeeplyNestedYaml_Refused422NamingTheLimit_AndTheMasterServes()
    {
        var yaml = "- " + new string('[', 10_000) + new string(']', 10_000) + "\n";

        var refused = await LoadAsync(await AdminAsync(), HttpMethod.Post, "root", yaml);

        refused.Status.ShouldBe(422, refused.Body);
        ErrorMessage(refused.Body).ShouldContain("NodeAgent:Secrets:Limits:MaxYamlDepth");
        await MasterServesAsync();
    }

    [Fact, Step(Order = 11)]
    public async Task AliasBomb_Refused422_AndTheMasterServes()
    {
        // Billion laughs: each policy's body is ten aliases of the one before; walked naively, 10^9 records.
        var yaml = new StringBuilder("- &p0 !policy {id: lol0, body: [ !variable v ]}\n");
        for (var i = 1; i <= 9; i++)
        {
            yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"- &p{i} !policy {{id: lol{i}, body: [ {string.Join(", ", Enumerable.Repeat($"*p{i - 1}", 10))} ]}}\n");
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var refused = await LoadAsync(await AdminAsync(), HttpMethod.Post, "root", yaml.ToString());

        refused.Status.ShouldBe(422, refused.Body);
        ErrorMessage(refused.Body).ShouldContain("alias");
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        (await CountAsync($"SELECT count(*) FROM secrets_resources WHERE resource_id = '{Account}:policy:lol0'")).ShouldBe(0);
        await MasterServesAsync();
    }

    [Fact, Step(Order = 12)]
    public async Task OversizedPolicyBody_Refused413NamingTheLimit_ByLengthChunkedAndThroughTheFollower()
    {
        var admin = await AdminAsync();
        // Valid YAML that would load (a comment and one host) if it were accepted.
        var body = Encoding.UTF8.GetBytes("- !host big12\n#" + new string('x', 1024 * 1024) + "\n");

        foreach (var (url, chunked) in new[] { (Lb, false), (Lb, true), (cluster.Config.ApiUrl(Follower), false) })
        {
            var (status, text) = await SendBytesAsync(url, HttpMethod.Post, $"policies/{Account}/policy/root", admin, body, chunked);
            status.ShouldBe(413, $"{url} chunked={chunked}: {text}");
            ErrorMessage(text).ShouldContain("NodeAgent:Secrets:Limits:MaxPolicyBytes");
        }
        (await CountAsync($"SELECT count(*) FROM secrets_resources WHERE resource_id = '{Account}:host:big12'")).ShouldBe(0);
        await MasterServesAsync();
    }

    [Fact, Step(Order = 13)]
    public async Task OversizedSecretValue_Refused413NamingTheLimit_AndTheOldValueKept()
    {
        var ct = CancellationToken.None;
        using var lb = new ConjurClient(cluster.Config, Lb);
        var admin = await AdminAsync();
        await lb.LoadPolicyAsync(admin, Account, "root", "- !variable big13\n", ct);
        await lb.SetSecretAsync(admin, Account, "big13", "small"u8.ToArray(), ct);

        var (status, text) = await SendBytesAsync(Lb, HttpMethod.Post, $"secrets/{Account}/variable/big13", admin, new byte[(10 * 1024 * 1024) + 1], chunked: true);

        status.ShouldBe(413, text);
        ErrorMessage(text).ShouldContain("NodeAgent:Secrets:Limits:MaxSecretBytes");
        Encoding.UTF8.GetString((await lb.FetchAsync(admin, Account, "big13", ct)).Value).ShouldBe("small");
        await MasterServesAsync();
    }

    [Fact, Step(Order = 14)]
    public async Task TooManyStatements_Refused422NamingTheLimit_AlsoWhenAGrantMultipliesThem()
    {
        var admin = await AdminAsync();
        var hosts = string.Concat(Enumerable.Range(1, 10_001).Select(i => $"- !host many14-{i}\n"));
        var product = "- !grant\n  role: [ " + string.Join(", ", Enumerable.Range(1, 101).Select(i => $"!group g{i}")) + " ]\n"
            + "  members: [ " + string.Join(", ", Enumerable.Range(1, 100).Select(i => $"!host h{i}")) + " ]\n";

        foreach (var yaml in new[] { hosts, product })
        {
            var refused = await LoadAsync(admin, HttpMethod.Post, "root", yaml);
            refused.Status.ShouldBe(422, refused.Body);
            ErrorMessage(refused.Body).ShouldContain("NodeAgent:Secrets:Limits:MaxPolicyStatements");
        }
        (await CountAsync($"SELECT count(*) FROM secrets_resources WHERE resource_id LIKE '{Account}:host:many14-%'")).ShouldBe(0);
        await MasterServesAsync();
    }

    [Fact, Step(Order = 15)]
    public async Task OverlongId_Refused422NamingTheLimit()
    {
        var refused = await LoadAsync(await AdminAsync(), HttpMethod.Post, "root", $"- !variable {new string('x', 600)}\n");

        refused.Status.ShouldBe(422, refused.Body);
        ErrorMessage(refused.Body).ShouldContain("NodeAgent:Secrets:Limits:MaxIdLength");
        await MasterServesAsync();
    }

    [Fact, Step(Order = 16)]
    public async Task LoadWhileAnotherHoldsTheAccount_Answered409AfterTheWait_ThenLoads()
    {
        var admin = await AdminAsync();
        var master = (await cluster.StatusAsync()).Master.ShouldNotBeNull();
        // The operator's login only reads: the row lock is taken as the superuser on the master's own socket.
        await using (var holder = new NpgsqlConnection(cluster.NodeAdminConnectionString(master, "policy")))
        {
            // Stands in for a long load of the same account: it holds the account's row.
            await holder.OpenAsync();
            await using var tx = await holder.BeginTransactionAsync();
            await using (var hold = new NpgsqlCommand($"SELECT 1 FROM secrets_accounts WHERE account = '{Account}' FOR UPDATE", holder, tx))
            {
                await hold.ExecuteScalarAsync();
            }
            var clock = System.Diagnostics.Stopwatch.StartNew();

            var (status, body) = await SendBytesAsync(Lb, HttpMethod.Post, $"policies/{Account}/policy/root", admin, "- !host waited16\n"u8.ToArray(), chunked: false);

            status.ShouldBe(409, body);
            ErrorCode(body).ShouldBe("policy_conflict");
            clock.Elapsed.ShouldBeGreaterThan(TimeSpan.FromSeconds(4));
            clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(25));
            await tx.RollbackAsync();
        }
        (await LoadAsync(admin, HttpMethod.Post, "root", "- !host waited16\n")).Status.ShouldBe(201);
    }

    /// <summary>
    /// Loads, as the admin at root, policy <paramref name="name"/>, a host <c>{name}-ci</c> holding
    /// <paramref name="privileges"/> on it, a root variable <c>{name}-root-secret</c> with a value, and
    /// <paramref name="extra"/>; returns the host's token.
    /// </summary>
    private async Task<string> SubPolicyAsync(string name, string privileges, string extra = "") =>
        (await SubPolicyWithKeysAsync(name, privileges, extra)).Token;

    /// <summary>As <see cref="SubPolicyAsync"/>, with the API keys of the roles the load created.</summary>
    private async Task<(string Token, IReadOnlyDictionary<string, string> Keys)> SubPolicyWithKeysAsync(string name, string privileges, string extra = "")
    {
        var ct = CancellationToken.None;
        using var lb = new ConjurClient(cluster.Config, Lb);
        var admin = await AdminAsync();
        var keys = await lb.LoadPolicyAsync(admin, Account, "root", $"""
            - !policy {name}
            - !host {name}-ci
            - !variable {name}-root-secret
            - !permit
              role: !host {name}-ci
              privileges: [ {privileges} ]
              resource: !policy {name}

            """ + extra, ct);
        await lb.SetSecretAsync(admin, Account, $"{name}-root-secret", Encoding.UTF8.GetBytes($"{name}-root-value"), ct);
        return (await lb.AuthenticateAsync(Account, $"host/{name}-ci", keys[$"{Account}:host:{name}-ci"], ct), keys);
    }

    private async Task<string> AdminAsync()
    {
        using var lb = new ConjurClient(cluster.Config, Lb);
        return await lb.AuthenticateAsync(Account, "admin", cluster.AdminApiKey, CancellationToken.None);
    }

    private async Task<(int Status, string Body)> LoadAsync(string token, HttpMethod method, string policy, string yaml)
    {
        using var lb = new ConjurClient(cluster.Config, Lb);
        var answer = await lb.SendAsync(method, $"policies/{Account}/policy/{Uri.EscapeDataString(policy)}", token, yaml, CancellationToken.None);
        output.WriteLine($"{method} {policy}: {answer.Status} {(answer.Body.Length > 300 ? answer.Body[..300] : answer.Body)}");
        return answer;
    }

    private async Task<int> FetchStatusAsync(string token, string variable)
    {
        using var lb = new ConjurClient(cluster.Config, Lb);
        return (await lb.FetchAsync(token, Account, variable, CancellationToken.None)).Status;
    }

    private static async Task<int> AuthenticateStatusAsync(ConjurClient client, string login, string apiKey) =>
        (await client.SendAsync(HttpMethod.Post, $"authn/{Account}/{Uri.EscapeDataString(login)}/authenticate", null, apiKey, CancellationToken.None)).Status;

    private async Task<int> LoginStatusAsync(string url, string login, string apiKey)
    {
        using var http = ClusterHttp.Client(cluster.Config, Bound);
        http.BaseAddress = new Uri(url + "/");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"authn/{Account}/login");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{login}:{apiKey}")));
        using var response = await http.SendAsync(request);
        return (int)response.StatusCode;
    }

    private async Task<(int Status, string Body)> SendBytesAsync(string url, HttpMethod method, string path, string token, byte[] body, bool chunked)
    {
        using var http = ClusterHttp.Client(cluster.Config, Bound);
        http.BaseAddress = new Uri(url + "/");
        using var request = new HttpRequestMessage(method, path);
        // A stream of unknown length goes chunked, so the server cannot refuse it from Content-Length alone.
        request.Content = chunked ? new StreamContent(new UnknownLengthStream(body)) : new ByteArrayContent(body);
        request.Headers.TryAddWithoutValidation("Authorization", token);
        try
        {
            using var response = await http.SendAsync(request);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException e)
        {
            // The server may answer and close before the client has sent everything.
            return (-1, e.Message);
        }
    }

    /// <summary>The master's own agent (not only the load balancer) still authenticates and answers.</summary>
    private async Task MasterServesAsync()
    {
        using var master = new ConjurClient(cluster.Config, cluster.Config.ApiUrl(Master));
        var token = await master.AuthenticateAsync(Account, "admin", cluster.AdminApiKey, CancellationToken.None);
        (await master.SendAsync(HttpMethod.Get, "whoami", token, null, CancellationToken.None)).Status.ShouldBe(200);
    }

    private async Task AuditedFailureAsync(string messageId, string user, string reason)
    {
        var audit = PostgresTools.ConnectionString(cluster.Config, cluster.Config.LoadBalancer.Host, cluster.Config.LoadBalancer.PostgresPort, "audit", timeoutSeconds: 5);
        var sql = $"SELECT count(*) FROM audit_records WHERE message_id = '{messageId}' AND result = 'failure' AND strpos(rfc5424, '{user}') > 0 AND strpos(rfc5424, '{reason}') > 0";
        await Wait.ForAsync($"a failed {messageId} of {user} naming '{reason}' in the master's audit", async _ => (long)(await cluster.ScalarAsync(audit, sql))! > 0,
            Bound, TimeSpan.FromMilliseconds(250));
    }

    private async Task<long> CountAsync(string sql) => (long)(await cluster.ScalarAsync(cluster.LoadBalancerConnectionString(), sql))!;

    private Task<object?> ScalarAsync(string sql) => cluster.ScalarAsync(cluster.LoadBalancerConnectionString(), sql);

    private static string? ErrorCode(string body)
    {
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("error").GetProperty("code").GetString();
    }

    private static string ErrorMessage(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.GetProperty("error").GetProperty("message").GetString() ?? "";
        }
        catch (JsonException)
        {
            return body;
        }
    }

    /// <summary>A read-only stream that hides its length.</summary>
    private sealed class UnknownLengthStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data, writable: false);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
