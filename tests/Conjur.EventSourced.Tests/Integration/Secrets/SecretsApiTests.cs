using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Conjur.EventSourced.Cli.Secrets;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.Tests.Fixtures;
using Npgsql;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Integration.Secrets;

/// <summary>
/// Given a four-node cluster with an account made by <c>cluster account create</c>, the Conjur API as
/// applications use it: the curl script through the load balancer and the follower, Conjur's refusals,
/// encryption at rest, and reads and authentication through a master's death.
/// </summary>
[Collection("clusters")]
[TestCaseOrderer(StepOrderer.Name, StepOrderer.Assembly)]
public sealed partial class SecretsApiTests(ClusterWithSecrets cluster, ITestOutputHelper output) : IClassFixture<ClusterWithSecrets>
{
    private const string Account = ClusterWithSecrets.Account;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private string Lb => cluster.Config.LoadBalancerUrl;
    private NodeConfig Follower => cluster.Config.Nodes.Single(n => n.Role == NodeRole.Follower);

    [Fact, Step(Order = 1)]
    public async Task CurlScript_PassesThroughTheLoadBalancer_AndItsReadsThroughTheFollower()
    {
        var script = Path.Combine(Binaries.RepositoryRoot(), "tests", "api", "conjur-api.sh");
        var start = new ProcessStartInfo("bash", [script, Lb, cluster.Config.ApiUrl(Follower)]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["CONJUR_ACCOUNT"] = Account;
        start.Environment["CONJUR_ADMIN_API_KEY"] = cluster.AdminApiKey;
        start.Environment["CONJUR_CERT_FILE"] = cluster.Config.PublicCaFile();
        Lb.ShouldStartWith("https://");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(cts.Token);
        output.WriteLine(await stdout);
        output.WriteLine(await stderr);

        process.ExitCode.ShouldBe(0, await stderr);
        (await stdout).ShouldContain("PASS: Conjur API script");
        (await stdout).ShouldContain($"fetch as host/");
        (await stdout).ShouldContain($"at {cluster.Config.ApiUrl(Follower)}");
    }

    [Fact, Step(Order = 2)]
    public async Task Refusals_AsConjurGivesThem()
    {
        var ct = CancellationToken.None;
        using var lb = new ConjurClient(cluster.Config, Lb);
        using var follower = new ConjurClient(cluster.Config, cluster.Config.ApiUrl(Follower));
        var admin = await lb.AuthenticateAsync(Account, "admin", cluster.AdminApiKey, ct);
        var keys = await lb.LoadPolicyAsync(admin, Account, "root", """
            - !host reader
            - !host stranger
            - !variable refusals/key
            - !permit
              role: !host reader
              privileges: [ read ]
              resource: !variable refusals/key
            """, ct);
        await lb.SetSecretAsync(admin, Account, "refusals/key", "refusal-test-value"u8.ToArray(), ct);
        // The follower replicates asynchronously: the new hosts reach it within moments.
        var stranger = await AuthenticateEventuallyAsync(follower, "host/stranger", keys[$"{Account}:host:stranger"]);
        var reader = await AuthenticateEventuallyAsync(follower, "host/reader", keys[$"{Account}:host:reader"]);

        // A host with no privilege at all does not even learn the variable exists: 404 with Conjur's error shape.
        var (status, body) = await follower.SendAsync(HttpMethod.Get, $"secrets/{Account}/variable/refusals%2Fkey", stranger, null, ct);
        status.ShouldBe(404);
        ErrorCode(body).ShouldBe("not_found");
        // One that may read it but not execute: 403.
        await Wait.ForAsync("the follower to see the permit", async c => (await follower.SendAsync(HttpMethod.Get, $"secrets/{Account}/variable/refusals%2Fkey", reader, null, c)).Status == 403,
            Bound, TimeSpan.FromMilliseconds(200));
        // Batch: one variable the caller cannot see fails the whole request.
        (await follower.SendAsync(HttpMethod.Get, $"secrets?variable_ids={Account}:variable:refusals/key", stranger, null, ct)).Status.ShouldBe(404);

        // A bad or forged token: 401 with an empty body.
        var forged = "Token token=\"" + Convert.ToBase64String(Encoding.UTF8.GetBytes(
            """{"protected":"eyJhbGciOiJIUzI1NiIsImtpZCI6IngiLCJhY2NvdW50IjoiYWNtZSJ9","payload":"eyJzdWIiOiJhZG1pbiIsImlhdCI6MSwiZXhwIjo5OTk5OTk5OTk5fQ","signature":"AAAA"}""")) + "\"";
        foreach (var token in new[] { "Token token=\"garbage\"", forged })
        {
            var refused = await lb.SendAsync(HttpMethod.Get, "whoami", token, null, ct);
            refused.Status.ShouldBe(401);
            refused.Body.ShouldBeEmpty();
        }
        (await lb.SendAsync(HttpMethod.Post, $"authn/{Account}/admin/authenticate", null, "not-the-key", ct)).Status.ShouldBe(401);

        // A malformed policy: 422 naming the line.
        var bad = await lb.SendAsync(HttpMethod.Post, $"policies/{Account}/policy/root", admin, "- !host fine\n- !variable ok\n- !hots typo\n", ct);
        bad.Status.ShouldBe(422);
        using (var doc = JsonDocument.Parse(bad.Body))
        {
            doc.RootElement.GetProperty("error").GetProperty("message").GetString()!.ShouldContain("line 3");
            doc.RootElement.GetProperty("error").GetProperty("innererror").GetProperty("line").GetInt32().ShouldBe(3);
        }
        // Nothing of the refused policy was loaded.
        (await lb.SendAsync(HttpMethod.Get, $"resources/{Account}/host", admin, null, ct)).Body.ShouldNotContain($"{Account}:host:fine");

        // A standby answers 503 "not accepting requests" to everything.
        foreach (var standby in cluster.Config.Nodes.Where(n => n.Role == NodeRole.Standby))
        {
            using var client = new ConjurClient(cluster.Config, cluster.Config.ApiUrl(standby));
            var refused = await client.SendAsync(HttpMethod.Post, $"authn/{Account}/admin/authenticate", null, cluster.AdminApiKey, ct);
            refused.Status.ShouldBe(503);
            using var doc = JsonDocument.Parse(refused.Body);
            doc.RootElement.GetProperty("error").GetProperty("message").GetString()!.ShouldStartWith("not accepting requests");
        }
    }

    [Fact, Step(Order = 3)]
    public async Task WriteToTheFollower_ForwardedToTheMaster_AndVersionsKept()
    {
        var ct = CancellationToken.None;
        using var follower = new ConjurClient(cluster.Config, cluster.Config.ApiUrl(Follower));
        var admin = await follower.AuthenticateAsync(Account, "admin", cluster.AdminApiKey, ct);
        await follower.LoadPolicyAsync(admin, Account, "root", "- !variable forwarded/key\n", ct);
        for (var i = 1; i <= 22; i++)
        {
            await follower.SetSecretAsync(admin, Account, "forwarded/key", Encoding.UTF8.GetBytes($"forwarded-{i}"), ct);
        }

        using var lb = new ConjurClient(cluster.Config, Lb);
        var latest = await lb.FetchAsync(admin, Account, "forwarded/key", ct);
        Encoding.UTF8.GetString(latest.Value).ShouldBe("forwarded-22");
        Encoding.UTF8.GetString((await lb.FetchAsync(admin, Account, "forwarded/key", ct, version: 3)).Value).ShouldBe("forwarded-3");
        // The last 20 versions are kept: 1 and 2 are gone.
        (await lb.FetchAsync(admin, Account, "forwarded/key", ct, version: 2)).Status.ShouldBe(404);
    }

    [Fact, Step(Order = 4)]
    public async Task SecretValues_OnlyCiphertextInPostgres_AndInNoLog()
    {
        var ct = CancellationToken.None;
        var value = "zebra-" + Guid.NewGuid().ToString("N");
        using var lb = new ConjurClient(cluster.Config, Lb);
        var admin = await lb.AuthenticateAsync(Account, "admin", cluster.AdminApiKey, ct);
        await lb.LoadPolicyAsync(admin, Account, "root", "- !variable atrest/key\n", ct);
        await lb.SetSecretAsync(admin, Account, "atrest/key", Encoding.UTF8.GetBytes(value), ct);
        (await lb.FetchAsync(admin, Account, "atrest/key", ct)).Value.ShouldBe(Encoding.UTF8.GetBytes(value));
        // The data files, not only the WAL, should hold the row.
        await cluster.ExecuteAsync(cluster.NodeAdminConnectionString(cluster.Config.Nodes[0].Id), "CHECKPOINT");

        // Every row of every table of the policy database, as text.
        var rows = new StringBuilder();
        await using (var conn = new NpgsqlConnection(cluster.LoadBalancerConnectionString()))
        {
            await conn.OpenAsync();
            var tables = new List<string>();
            await using (var cmd = new NpgsqlCommand("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", conn))
            await using (var r = await cmd.ExecuteReaderAsync())
            {
                while (await r.ReadAsync()) { tables.Add(r.GetString(0)); }
            }
            tables.ShouldContain("secrets_values");
            foreach (var t in tables)
            {
                await using var cmd = new NpgsqlCommand($"SELECT coalesce(string_agg(x::text, E'\\n'), '') FROM {t} x", conn);
                rows.AppendLine((string)(await cmd.ExecuteScalarAsync())!);
            }
        }
        rows.ToString().ShouldContain("atrest/key");
        rows.ToString().ShouldNotContain(value);
        rows.ToString().ShouldNotContain(Convert.ToHexString(Encoding.UTF8.GetBytes(value)).ToLowerInvariant());
        rows.ToString().ShouldNotContain(cluster.AdminApiKey);

        // Every file of every node's data folder (tables, WAL), and every log of the cluster.
        var needles = new[] { Encoding.UTF8.GetBytes(value), Encoding.UTF8.GetBytes(cluster.AdminApiKey) };
        var scanned = 0;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(cluster.Config.StateDir, "nodes"), "*", SearchOption.AllDirectories)
                     .Concat(Directory.EnumerateFiles(cluster.Config.LogsDir, "*", SearchOption.AllDirectories)))
        {
            byte[] bytes;
            try { bytes = await File.ReadAllBytesAsync(file); }
            catch (IOException) { continue; }
            scanned++;
            foreach (var needle in needles)
            {
                bytes.AsSpan().IndexOf(needle).ShouldBe(-1, $"{file} holds a secret in clear");
            }
        }
        output.WriteLine($"scanned {scanned} files");
        scanned.ShouldBeGreaterThan(100);
    }

    [Fact, Step(Order = 7)]
    public async Task MasterKilled_FollowerKeepsServing_AndAnAcknowledgedValueReadsBackFromTheNewMaster()
    {
        var ct = CancellationToken.None;
        using var lb = new ConjurClient(cluster.Config, Lb);
        using var follower = new ConjurClient(cluster.Config, cluster.Config.ApiUrl(Follower));
        var admin = await lb.AuthenticateAsync(Account, "admin", cluster.AdminApiKey, ct);
        var keys = await lb.LoadPolicyAsync(admin, Account, "root", """
            - !host survivor
            - !variable failover/key
            - !permit
              role: !host survivor
              privileges: [ read, execute ]
              resource: !variable failover/key
            """, ct);
        var hostKey = keys[$"{Account}:host:survivor"];
        var value = "written-before-the-kill-" + Guid.NewGuid().ToString("N");
        await lb.SetSecretAsync(admin, Account, "failover/key", Encoding.UTF8.GetBytes(value), ct);
        await Wait.ForAsync("the follower to serve the value", async c =>
        {
            var token = await follower.AuthenticateAsync(Account, "host/survivor", hostKey, c);
            return (await follower.FetchAsync(token, Account, "failover/key", c)).Status == 200;
        }, Bound, TimeSpan.FromMilliseconds(200));

        var master = await MasterAsync(ct);
        var info = (await ClusterLauncher.InfoAsync(cluster.Config, master, ct)).ShouldNotBeNull();
        Daemon.Kill(info.GetProperty("agentPid").GetInt32());
        Daemon.Kill(info.GetProperty("postgresPid").GetInt32());
        output.WriteLine($"killed {master.Id}");

        // Until a new master answers through the load balancer, the follower authenticates and serves reads throughout.
        var clock = Stopwatch.StartNew();
        int followerReads = 0;
        while (true)
        {
            var token = await follower.AuthenticateAsync(Account, "host/survivor", hostKey, ct);
            var read = await follower.FetchAsync(token, Account, "failover/key", ct);
            read.Status.ShouldBe(200, $"the follower refused a read {clock.Elapsed.TotalSeconds:0.0} s after the kill");
            Encoding.UTF8.GetString(read.Value).ShouldBe(value);
            followerReads++;
            var viaLb = await TryFetchAsync(lb, hostKey);
            if (viaLb == value)
            {
                break;
            }
            clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(90), "no new master served the value through the load balancer");
            await Task.Delay(250, ct);
        }
        output.WriteLine($"new master served the value {clock.Elapsed.TotalSeconds:0.0} s after the kill; the follower answered {followerReads} reads meanwhile");

        // The new master takes writes again.
        var newAdmin = await lb.AuthenticateAsync(Account, "admin", cluster.AdminApiKey, ct);
        await lb.SetSecretAsync(newAdmin, Account, "failover/key", "after-the-failover"u8.ToArray(), ct);
        Encoding.UTF8.GetString((await lb.FetchAsync(newAdmin, Account, "failover/key", ct)).Value).ShouldBe("after-the-failover");
    }

    private static async Task<string> AuthenticateEventuallyAsync(ConjurClient client, string login, string apiKey)
    {
        string? token = null;
        await Wait.ForAsync($"{login} to authenticate at {client.BaseUrl}", async c => (token = await client.AuthenticateAsync(Account, login, apiKey, c)) is not null,
            Bound, TimeSpan.FromMilliseconds(200));
        return token!;
    }

    private static async Task<string?> TryFetchAsync(ConjurClient lb, string hostKey)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var token = await lb.AuthenticateAsync(Account, "host/survivor", hostKey, cts.Token);
            var read = await lb.FetchAsync(token, Account, "failover/key", cts.Token);
            return read.Status == 200 ? Encoding.UTF8.GetString(read.Value) : null;
        }
        catch (Exception e) when (e is SecretsApiException or HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static string? ErrorCode(string body)
    {
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("error").GetProperty("code").GetString();
    }
}
