using Conjur.EventSourced.Hosting.Tls;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Conjur.EventSourced.Cli.Audit;
using Conjur.EventSourced.Cli.Secrets;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Postgres;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Trust;
using Conjur.EventSourced.Tests.Fixtures;
using Npgsql;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Integration.Audit;

/// <summary>
/// Given a master and a follower that ships its audit through HAProxy: records of the follower's secret
/// reads (and, for the other cases, synthetic ones from the test-only producer, through the same trail)
/// reach the master's audit database exactly once, whatever happens between them.
/// </summary>
[Collection("clusters-b")]
public sealed class AuditShippingTests(MasterWithFollowerForAudit cluster, ITestOutputHelper output) : IClassFixture<MasterWithFollowerForAudit>, IDisposable
{
    private const string Canary = "s3cr3t-canary-value";

    private readonly HttpClient _http = ClusterHttp.Client(cluster.Config, TimeSpan.FromSeconds(30));
    private readonly AuditProbe _audit = new(cluster.Config, cluster.Master);

    public void Dispose()
    {
        _http.Dispose();
        _audit.Dispose();
    }

    [Fact]
    public async Task FollowerCutFromMasterFor60s_WhileClientsReadThroughIt_EveryRecordReachesMasterExactlyOnce()
    {
        // A host that may fetch one variable, loaded through the load balancer, seen by the follower.
        var ct = CancellationToken.None;
        using var lb = new ConjurClient(cluster.Config, cluster.Config.LoadBalancerUrl);
        using var follower = new ConjurClient(cluster.Config, cluster.Config.ApiUrl(cluster.Follower), TimeSpan.FromSeconds(10));
        var admin = await lb.AuthenticateAsync(MasterWithFollowerForAudit.Account, "admin", cluster.AdminApiKey, ct);
        var keys = await lb.LoadPolicyAsync(admin, MasterWithFollowerForAudit.Account, "root", """
            - !host reader
            - !variable cut/key
            - !permit
              role: !host reader
              privileges: [ read, execute ]
              resource: !variable cut/key
            """, ct);
        await lb.SetSecretAsync(admin, MasterWithFollowerForAudit.Account, "cut/key", Encoding.UTF8.GetBytes(Canary), ct);
        var hostKey = keys[$"{MasterWithFollowerForAudit.Account}:host:reader"];
        await Wait.ForAsync("the follower to serve the variable", async c =>
        {
            var token = await follower.AuthenticateAsync(MasterWithFollowerForAudit.Account, "host/reader", hostKey, c);
            return (await follower.FetchAsync(token, MasterWithFollowerForAudit.Account, "cut/key", c)).Status == 200;
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));

        var before = await _audit.ShippedAndStoredAsync(cluster.Follower);
        var haproxy = cluster.Launcher.LoadBalancer.Pid() ?? throw new InvalidOperationException("haproxy is not running");
        int authentications = 0, fetches = 0;
        var clock = Stopwatch.StartNew();
        Daemon.Signal(haproxy, Daemon.SigStop).ShouldBeTrue();
        try
        {
            // A client of the follower: authenticate, then fetch, again and again, while the master is out of reach.
            while (clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                var token = await follower.AuthenticateAsync(MasterWithFollowerForAudit.Account, "host/reader", hostKey, ct);
                authentications++;
                var (status, value) = await follower.FetchAsync(token, MasterWithFollowerForAudit.Account, "cut/key", ct);
                fetches++;
                status.ShouldBe(200);
                Encoding.UTF8.GetString(value).ShouldBe(Canary);
                await Task.Delay(100);
            }
            // Cut off: nothing audited since the freeze has reached the master, all of it is queued, one record per request.
            (await StoredAsync("node2", before)).Count.ShouldBe(0);
            (await AuditProbe.QueueDepthAsync(cluster.Config, cluster.Follower)).ShouldBe(authentications + fetches);
        }
        finally
        {
            Daemon.Signal(haproxy, Daemon.SigCont);
        }
        var produced = authentications + fetches;
        var reconnected = Stopwatch.StartNew();
        await Wait.ForAsync("the follower's audit queue to drain after reconnection", async c => await AuditProbe.QueueDepthAsync(cluster.Config, cluster.Follower, c) == 0,
            TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(250));
        output.WriteLine($"{authentications} authentications and {fetches} fetches at the follower during a {clock.Elapsed.TotalSeconds:0} s cut; "
            + $"its {produced} audit records drained {reconnected.Elapsed.TotalSeconds:0.0} s after reconnection");

        var stored = await StoredAsync("node2", before);
        stored.Count.ShouldBe(produced);
        stored.Distinct.ShouldBe(produced);
        stored.Min.ShouldBe(before + 1);
        stored.Max.ShouldBe(before + produced);
        (await _audit.CountAsync("SELECT count(*) FROM audit_records WHERE origin = 'node2' AND sequence > $1 AND message_id = 'fetch' AND result = 'success'", before)).ShouldBe(fetches);
        (await _audit.CountAsync("SELECT count(*) FROM audit_records WHERE origin = 'node2' AND sequence > $1 AND message_id = 'authn' AND result = 'success'", before)).ShouldBe(authentications);
        (await _audit.CountAsync("SELECT count(*) FROM audit_records WHERE strpos(rfc5424, $1) > 0", Canary)).ShouldBe(0);
        var line = (string)(await _audit.ScalarAsync("SELECT rfc5424 FROM audit_records WHERE origin = 'node2' AND sequence > $1 AND message_id = 'fetch' ORDER BY sequence LIMIT 1", before))!;
        line.ShouldMatch("^<86>1 \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z node2 conjur - fetch \\[subject@43868 resource=\"audit:variable:cut/key\"");
        line.ShouldContain("[auth@43868 user=\"audit:host:reader\"");
        line.ShouldContain("[action@43868 result=\"success\" operation=\"fetch\"]");
    }

    [Fact]
    public async Task FollowerAgentRestartedWithUnshippedRecords_LosesNone_AndGoesOnWithItsSequence()
    {
        var before = await _audit.ShippedAndStoredAsync(cluster.Follower);
        var haproxy = cluster.Launcher.LoadBalancer.Pid() ?? throw new InvalidOperationException("haproxy is not running");
        Daemon.Signal(haproxy, Daemon.SigStop).ShouldBeTrue();
        try
        {
            await _audit.ProduceAsync(cluster.Follower, 50);
            (await AuditProbe.QueueDepthAsync(cluster.Config, cluster.Follower)).ShouldBe(50);

            var agent = Daemon.ReadPid(cluster.Launcher.AgentPidFile("node2")) ?? throw new InvalidOperationException("no follower agent");
            await Daemon.StopAsync(agent, TimeSpan.FromSeconds(45));
            await cluster.StartAgentAsync(cluster.Follower);
            await Wait.ForAsync("the restarted follower agent to answer /health", async c => (await ClusterLauncher.HealthAsync(cluster.Config, cluster.Follower, c)).StatusCode != 0,
                TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(250));

            (await AuditProbe.QueueDepthAsync(cluster.Config, cluster.Follower)).ShouldBe(50);
            await _audit.ProduceAsync(cluster.Follower, 10);
            (await AuditProbe.QueueDepthAsync(cluster.Config, cluster.Follower)).ShouldBe(60);
        }
        finally
        {
            Daemon.Signal(haproxy, Daemon.SigCont);
        }
        await Wait.ForAsync("the follower's audit queue to drain", async c => await AuditProbe.QueueDepthAsync(cluster.Config, cluster.Follower, c) == 0,
            TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(250));

        var stored = await StoredAsync("node2", before);
        stored.Count.ShouldBe(60);
        stored.Distinct.ShouldBe(60);
        stored.Min.ShouldBe(before + 1);
        stored.Max.ShouldBe(before + 60);
    }

    [Fact]
    public async Task DuplicateShippedBatch_StoredOnce_AndAcknowledgedBothTimes()
    {
        var batch = Batch("dupcheck", Record(1), Record(2), Record(3));

        var first = await ShipAsync(cluster.Config.MasterUrlForNodes, batch);
        var again = await ShipAsync(cluster.Config.MasterUrlForNodes, batch);

        first.StatusCode.ShouldBe(HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
        again.StatusCode.ShouldBe(HttpStatusCode.OK, await again.Content.ReadAsStringAsync());
        using var a = JsonDocument.Parse(await first.Content.ReadAsStringAsync());
        using var b = JsonDocument.Parse(await again.Content.ReadAsStringAsync());
        a.RootElement.GetProperty("stored").GetInt32().ShouldBe(3);
        b.RootElement.GetProperty("stored").GetInt32().ShouldBe(0);
        b.RootElement.GetProperty("duplicates").GetInt32().ShouldBe(3);
        b.RootElement.GetProperty("acknowledgedThrough").GetInt64().ShouldBe(3);
        (await StoredAsync("dupcheck", 0)).Count.ShouldBe(3);
    }

    [Fact]
    public async Task MalformedBatch_Answers400_SaysWhy_StoresNothing_AndEchoesNoValue()
    {
        var notJson = await PostRawAsync(cluster.Config.MasterUrlForNodes, "{\"origin\": \"malformed\", \"records\": [" + Canary, "malformed");
        var repeated = Record(1);
        repeated["message"] = null;
        repeated["user"] = Canary;
        var badRecord = await ShipAsync(cluster.Config.MasterUrlForNodes, Batch("malformed", Record(1), repeated));

        notJson.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await notJson.Content.ReadAsStringAsync()).ShouldSatisfyAllConditions(
            body => body.ShouldContain("malformed batch"),
            body => body.ShouldNotContain(Canary));
        badRecord.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var text = await badRecord.Content.ReadAsStringAsync();
        text.ShouldContain("records[1].sequence");
        text.ShouldContain("records[1].message is required");
        text.ShouldNotContain(Canary);
        // The first record was well formed: all or nothing, so it is not stored either.
        (await StoredAsync("malformed", 0)).Count.ShouldBe(0);
    }

    [Fact]
    public async Task BatchNotSignedWithItsOriginsKey_Answers401_StoresNothing()
    {
        var response = await ShipAsync(cluster.Config.MasterUrlForNodes, Batch("intruder", Record(1)), key: RandomNumberGenerator.GetBytes(NodeKeys.KeyBytes));

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await StoredAsync("intruder", 0)).Count.ShouldBe(0);
    }

    [Fact]
    public async Task FollowerOffered_ShippedRecords_Answers503_SoTheSenderRetries()
    {
        var response = await ShipAsync(cluster.Config.ApiUrl(cluster.Follower), Batch("notmaster", Record(1)));

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await StoredAsync("notmaster", 0)).Count.ShouldBe(0);
    }

    [Fact]
    public async Task MasterOwnRecords_StoredDirectly_AndListedByTheAuditCommand()
    {
        var before = await _audit.ShippedAndStoredAsync(cluster.Master);

        await _audit.ProduceAsync(cluster.Master, 20);

        (await AuditProbe.QueueDepthAsync(cluster.Config, cluster.Master)).ShouldBe(0);
        var stored = await StoredAsync("node1", before);
        stored.Count.ShouldBe(20);
        stored.Max.ShouldBe(before + 20);
        var failures = await AuditCommand.QueryAsync(cluster.AuditConnectionString(),
            new AuditFilter { Origin = "node1", Action = "fetch", Result = "failure", Since = DateTimeOffset.UtcNow.AddMinutes(-5), Limit = 500 }, CancellationToken.None);
        failures.Count.ShouldBeGreaterThanOrEqualTo(2); // every tenth produced record is a failure
        failures.ShouldAllBe(r => r.Origin == "node1" && r.Result == "failure" && r.Rfc5424.StartsWith("<84>1 ", StringComparison.Ordinal));
        var newest = await AuditCommand.QueryAsync(cluster.AuditConnectionString(), new AuditFilter { Origin = "node1", Limit = 3 }, CancellationToken.None);
        newest.Select(r => r.Sequence).ShouldBe([before + 18, before + 19, before + 20]);
    }

    /// <summary>Counted on the master's own Postgres, not through HAProxy (which a test may have frozen).</summary>
    private async Task<(long Count, long Distinct, long Min, long Max)> StoredAsync(string origin, long after)
    {
        await using var conn = new NpgsqlConnection(_audit.MasterAudit);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*), count(DISTINCT sequence), COALESCE(min(sequence), 0), COALESCE(max(sequence), 0) FROM audit_records WHERE origin = $1 AND sequence > $2", conn);
        cmd.Parameters.AddWithValue(origin);
        cmd.Parameters.AddWithValue(after);
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    private static Dictionary<string, object?> Batch(string origin, params Dictionary<string, object?>[] records) =>
        new() { ["origin"] = origin, ["records"] = records };

    private static Dictionary<string, object?> Record(long sequence) => new()
    {
        ["sequence"] = sequence,
        ["timestamp"] = DateTimeOffset.UtcNow,
        ["messageId"] = "fetch",
        ["operation"] = "fetch",
        ["success"] = true,
        ["message"] = $"test:host:shipper fetched test:variable:v{sequence}",
        ["user"] = "test:host:shipper",
        ["subject"] = $"test:variable:v{sequence}",
    };

    private Task<HttpResponseMessage> ShipAsync(string baseUrl, Dictionary<string, object?> batch, byte[]? key = null) =>
        SendAsync(baseUrl, JsonSerializer.SerializeToUtf8Bytes(batch), (string)batch["origin"]!, key);

    private Task<HttpResponseMessage> PostRawAsync(string baseUrl, string body, string origin) =>
        SendAsync(baseUrl, Encoding.UTF8.GetBytes(body), origin, null);

    /// <summary>
    /// As an agent ships: signed with the key of the batch's origin, unless told otherwise, and sent with its certificate. The test's origins are not
    /// nodes of the layout (so they never meet a real node's sequence numbers): their keys come from the root, which
    /// the operator's <c>cluster up</c> holds, as a node removed from the layout would still have its own.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(string baseUrl, byte[] body, string origin, byte[]? key)
    {
        key ??= NodeKeys.Derive(NodeKeys.Read(cluster.Config.NodeKeyRootFile()), cluster.Config.ClusterId, origin);
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var sig = NodeSignature.Sign(key, NodeSignature.AuditBatch(ts, origin, NodeSignature.BodyHash(body)));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{baseUrl}/audit/records")) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("Authorization", $"{NodeSignature.Scheme} {NodeSignature.Header(origin, ts, sig)}");
        // Under TLS over mutual TLS, with an agent certificate of the origin, as its agent would send it.
        using var certificate = new AgentCertificate(cluster.Config, origin);
        using var http = certificate.Client(TimeSpan.FromSeconds(30));
        return await http.SendAsync(request);
    }
}
