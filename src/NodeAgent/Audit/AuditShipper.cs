using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.NodeAgent.Audit;

/// <summary>
/// Carries the spool to the master, oldest first, in batches, through the load balancer (so after a
/// failover the batches go to the new master with nothing to reconfigure). The spool's marker moves only
/// after the master answers that it committed the batch; a batch whose answer was lost is sent again and
/// the master's primary key (origin, sequence) turns the repeat into nothing. While the master is
/// unreachable the records stay in the spool: every attempt is bounded in time, the retries back off up
/// to <see cref="MaxBackoff"/>, and none is ever dropped.
/// </summary>
public sealed class AuditShipper(ClusterConfig config, NodeConfig node, AuditSpool spool, AuditShipKey key, ILogger<AuditShipper> log) : BackgroundService
{
    public const int BatchSize = 500;
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http = new() { Timeout = AttemptTimeout };

    public Uri Target => new($"{config.LoadBalancer.Url}/audit/records");

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
        while (!stoppingToken.IsCancellationRequested)
        {
            var batch = spool.Peek(BatchSize);
            if (batch.Count == 0)
            {
                await Task.Delay(Idle, stoppingToken);
                continue;
            }
            string? problem;
            try
            {
                problem = await ShipAsync(batch, stoppingToken);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !stoppingToken.IsCancellationRequested)
            {
                problem = e is TaskCanceledException ? $"no answer within {AttemptTimeout.TotalSeconds:0} s" : e.Message;
            }
            if (problem is null)
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

    /// <summary>One attempt; null when the master acknowledged the whole batch, else why not.</summary>
    private async Task<string?> ShipAsync(IReadOnlyList<AuditRecord> batch, CancellationToken ct)
    {
        var body = new ShippedBatch { Origin = node.Id, Records = batch.Select(ShippedRecord.From).ToList() };
        using var request = new HttpRequestMessage(HttpMethod.Post, Target) { Content = JsonContent.Create(body, options: Json) };
        request.Headers.Add(AuditShipKey.Header, key.Current());
        using var response = await _http.SendAsync(request, ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            // 503: no master behind the load balancer right now (failover, or a standby answered). 400 would
            // be a bug on one side or the other: keep the records and say so loudly.
            if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized)
            {
                log.LogError("audit: the master refused a batch of this node's records ({Status}): {Answer}", (int)response.StatusCode, Truncate(text));
            }
            return $"HTTP {(int)response.StatusCode}: {Truncate(text)}";
        }
        var ack = await response.Content.ReadFromJsonAsync<ShipAcknowledgement>(Json, ct);
        if (ack is null || ack.Origin != node.Id || ack.AcknowledgedThrough != batch[^1].Sequence)
        {
            return "the master's acknowledgement does not cover the batch";
        }
        await spool.AcknowledgeAsync(ack.AcknowledgedThrough, ct);
        return null;
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    private static string Truncate(string s) => s.Length > 300 ? s[..300] + "..." : s;
}
