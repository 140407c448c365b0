using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Trust;

namespace Conjur.EventSourced.NodeAgent.Audit;

/// <summary>
/// Carries the spool to the master, oldest first, in batches, through the load balancer (so after a
/// failover the batches go to the new master with nothing to reconfigure), each signed with this node's
/// own key (<see cref="IPeerAuthentication"/>) and, under TLS, sent over mutual TLS with its agent certificate. The spool's marker moves only after the master answers that
/// it committed the batch; a batch whose answer was lost is sent again and the master's primary key
/// (origin, sequence) turns the repeat into nothing. While the master is unreachable the records stay in
/// the spool: every attempt is bounded in time, the retries back off up to <see cref="MaxBackoff"/>, and
/// none is ever dropped.
/// <para>
/// A batch the master can never accept (400: malformed, a bug on one side; 413: too large) must not stop
/// everything behind it: the shipper halves the batch until the refusal is down to one record, sets that one
/// aside in the spool's quarantine (kept, counted in <c>/health</c> and <c>/metrics</c>) and goes on. A refused
/// credential (401, 403) is never a reason to set anything aside: it is retried until someone fixes the keys.
/// </para>
/// </summary>
public sealed class AuditShipper(ClusterConfig config, NodeConfig node, AgentCertificates certificates, AuditSpool spool, IPeerAuthentication peers, AuditMetrics metrics,
    ILogger<AuditShipper> log) : BackgroundService
{
    public const int BatchSize = 500;

    /// <summary>A batch is cut to stay under this many bytes of JSON (far below the master's limit), whatever its records hold.</summary>
    public const int MaxBatchBytes = 4 * 1024 * 1024;

    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http = new(NodeToMaster.Handler(config, certificates)) { Timeout = AttemptTimeout };

    public Uri Target => new($"{config.MasterUrlForNodes}/audit/records");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var backoff = MinBackoff;
        var failures = 0;
        var limit = BatchSize;
        // While looking for the record the master refuses: the batch stays at its halved size until the
        // marker has passed the last record of the refused batch.
        long suspectThrough = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (suspectThrough > 0 && spool.ShippedThrough >= suspectThrough)
            {
                limit = BatchSize;
                suspectThrough = 0;
            }
            var batch = spool.Peek(limit);
            if (batch.Count == 0)
            {
                await Task.Delay(Idle, stoppingToken);
                continue;
            }
            Outcome outcome;
            try
            {
                outcome = await ShipAsync(batch, stoppingToken);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !stoppingToken.IsCancellationRequested)
            {
                outcome = Outcome.Failed(e is TaskCanceledException ? $"no answer within {AttemptTimeout.TotalSeconds:0} s" : e.Message);
            }
            if (outcome.Refusal is { } refusal)
            {
                if (batch.Count > 1)
                {
                    suspectThrough = Math.Max(suspectThrough, batch[^1].Sequence);
                    limit = Math.Max(1, batch.Count / 2);
                    log.LogWarning("audit: the master refused a batch of {Count} record(s) ({Refusal}); trying {Limit} at a time to find the one it refuses",
                        batch.Count, refusal, limit);
                    continue;
                }
                await spool.QuarantineAsync(batch, refusal, stoppingToken);
                metrics.Quarantined(batch.Count);
                log.LogError("audit: the master refuses record {Sequence} of this node ({Refusal}): set aside in {File}, {Total} record(s) there; shipping goes on",
                    batch[0].Sequence, refusal, spool.QuarantinePath, spool.Quarantined);
                continue;
            }
            if (outcome.Problem is not { } problem)
            {
                if (failures > 0)
                {
                    log.LogInformation("audit: shipping resumed after {Failures} failed attempt(s)", failures);
                }
                failures = 0;
                backoff = MinBackoff;
                continue;
            }
            failures++;
            // One line per streak and then every tenth attempt: an outage must not flood the log.
            if (failures == 1 || failures % 10 == 0)
            {
                log.LogWarning("audit: cannot ship {Count} record(s) to the master via {Target} (attempt {Attempt}): {Problem}; {Depth} kept in the spool",
                    batch.Count, Target, failures, problem, spool.Depth);
            }
            await Task.Delay(backoff + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 100)), stoppingToken);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    /// <summary>One attempt: acknowledged, refused for good (the batch's content), or failed for now.</summary>
    private async Task<Outcome> ShipAsync(IReadOnlyList<AuditRecord> batch, CancellationToken ct)
    {
        var body = Serialize(batch);
        while (body.Length > MaxBatchBytes && batch.Count > 1)
        {
            batch = batch.Take(batch.Count / 2).ToList();
            body = Serialize(batch);
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, Target) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        peers.SignAuditBatch(request, body);
        using var response = await _http.SendAsync(request, ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var text = Truncate(await response.Content.ReadAsStringAsync(ct));
            if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge)
            {
                return Outcome.Refused($"HTTP {(int)response.StatusCode}: {text}");
            }
            // 503: no master behind the load balancer right now (failover, or a standby answered). 401 or 403: this
            // node's key is not the one the master derives for it: keep the records and say so loudly.
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                log.LogError("audit: the master refused this node's credential ({Status}): {Answer}", (int)response.StatusCode, text);
            }
            return Outcome.Failed($"HTTP {(int)response.StatusCode}: {text}");
        }
        var ack = await response.Content.ReadFromJsonAsync<ShipAcknowledgement>(Json, ct);
        if (ack is null || ack.Origin != node.Id || ack.AcknowledgedThrough != batch[^1].Sequence)
        {
            return Outcome.Failed("the master's acknowledgement does not cover the batch");
        }
        await spool.AcknowledgeAsync(ack.AcknowledgedThrough, ct);
        return Outcome.Acknowledged;
    }

    private byte[] Serialize(IReadOnlyList<AuditRecord> batch) =>
        JsonSerializer.SerializeToUtf8Bytes(new ShippedBatch { Origin = node.Id, Records = batch.Select(ShippedRecord.From).ToList() }, Json);

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    private static string Truncate(string s) => s.Length > 300 ? s[..300] + "..." : s;

    private sealed record Outcome(string? Problem, string? Refusal)
    {
        public static readonly Outcome Acknowledged = new(null, null);

        public static Outcome Failed(string problem) => new(problem, null);

        public static Outcome Refused(string refusal) => new(null, refusal);
    }
}
