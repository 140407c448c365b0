using System.Text.Json;
using Conjur.EventSourced.NodeAgent.Ha;
using Conjur.EventSourced.NodeAgent.Secrets.Api;
using Conjur.EventSourced.NodeAgent.Trust;

namespace Conjur.EventSourced.NodeAgent.Audit;

/// <summary>
/// <c>POST /audit/records</c>: where nodes ship their spooled records, reached through the load balancer. Each
/// batch is signed by the node that sends it (<see cref="IPeerAuthentication"/>; else 401), and a node ships only
/// its own records: a batch whose <c>origin</c> is not its signer is refused with 403, so no node can add records
/// in another's name or take another's sequence numbers first. Only the node that accepts requests as master takes
/// them (anything else answers 503 and the sender retries); a malformed batch is refused whole with 400; a batch is
/// acknowledged only once committed.
/// </summary>
public static class AuditEndpoints
{
    public const string TestProducerSetting = "Audit:TestProducer";

    /// <summary>A shipper sends at most <see cref="AuditShipper.MaxBatchBytes"/>; anything larger is refused before it is read.</summary>
    public const long MaxBodyBytes = 2 * AuditShipper.MaxBatchBytes;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void MapAudit(this WebApplication app)
    {
        app.MapPost("/audit/records", async (HttpContext http, NodeState state, AuditDatabase database, IPeerAuthentication peers, AuditMetrics metrics,
            ILogger<AuditDatabase> log, CancellationToken ct) =>
        {
            var request = http.Request;
            if (!request.Headers.Authorization.ToString().StartsWith(NodeSignature.Scheme + " ", StringComparison.Ordinal))
            {
                metrics.BatchRefused("unauthenticated");
                return Refused(401, $"audit records are accepted only from the cluster's agents, each signing with its own key: missing 'Authorization: {NodeSignature.Scheme} ...'");
            }
            if (request.ContentLength > MaxBodyBytes)
            {
                return Refused(413, $"a batch is at most {MaxBodyBytes} bytes");
            }
            var s = state.Current;
            if (s.Role != "master" || !s.AcceptingRequestsAt(DateTimeOffset.UtcNow))
            {
                return Refused(503, $"not accepting audit records: this node is {(s.Role == "master" ? "a master that is not accepting requests" : "a " + s.Role)}");
            }
            byte[]? body;
            try
            {
                body = await BoundedBody.ReadAsync(request, MaxBodyBytes, ct);
            }
            catch (UnreadableBodyException e)
            {
                metrics.BatchRefused("malformed");
                return Refused(e.Status, e.Message);
            }
            if (body is null)
            {
                return Refused(413, $"a batch is at most {MaxBodyBytes} bytes");
            }
            var sender = peers.AuthenticateAuditBatch(request, body);
            if (sender.Node is null)
            {
                metrics.BatchRefused("unauthenticated");
                return Refused(401, $"audit batch not authenticated: {sender.Problem}");
            }
            ShippedBatch? batch;
            try
            {
                batch = JsonSerializer.Deserialize<ShippedBatch>(body, Json);
            }
            catch (JsonException e)
            {
                metrics.BatchRefused("malformed");
                // The parser's own message can quote the offending text: give only where it broke.
                return Refused(400, $"malformed batch: not valid JSON for a batch of audit records (at {e.Path ?? "$"}, line {e.LineNumber}, byte {e.BytePositionInLine})");
            }
            var errors = ShippedBatchValidation.Errors(batch);
            if (errors.Count > 0)
            {
                metrics.BatchRefused("malformed");
                return Results.Json(new { error = "malformed batch: nothing was stored", details = errors }, statusCode: 400);
            }
            if (batch!.Origin != sender.Node)
            {
                metrics.BatchRefused("forged_origin");
                log.LogWarning("audit: refused a batch for origin {Origin} signed by {Sender}", batch.Origin, sender.Node);
                return Refused(403, $"'origin' is {batch.Origin} but the batch is signed by {sender.Node}: a node ships only its own records");
            }
            var records = ShippedBatchValidation.ToRecords(batch);
            int stored;
            try
            {
                stored = await database.InsertAsync(records, ignoreDuplicates: true, ct);
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
            {
                log.LogWarning("audit: could not store a batch of {Count} record(s) from {Origin}: {Error}", records.Count, batch.Origin, e.Message);
                return Refused(503, "the audit database is not available: retry");
            }
            return Results.Json(new ShipAcknowledgement(batch.Origin!, records.Count, stored, records.Count - stored, records[^1].Sequence));
        });

        // For tests only (off unless the agent runs with Audit:TestProducer=true, e.g. the environment
        // variable Audit__TestProducer=true): records synthetic accesses through the real trail, so the
        // spool, the shipping and the master's storage are exercised before the secrets API exists.
        if (app.Configuration.GetValue<bool>(TestProducerSetting))
        {
            app.MapPost("/audit/test/records", async (int? count, IAuditTrail trail, NodeState state, CancellationToken ct) =>
            {
                var n = Math.Clamp(count ?? 1, 1, 1000);
                var node = state.Current.NodeId;
                await Task.WhenAll(Enumerable.Range(0, n).Select(i => trail.RecordAsync(new AuditEvent
                {
                    MessageId = "fetch",
                    Operation = "fetch",
                    Success = i % 10 != 9,
                    User = "test:host:probe",
                    Subject = $"test:variable:probe/{i}",
                    ClientIp = "127.0.0.1",
                    Message = i % 10 != 9 ? $"test:host:probe fetched test:variable:probe/{i}" : $"test:host:probe tried to fetch test:variable:probe/{i}: not permitted",
                }, ct)));
                return Results.Json(new { recorded = n, node });
            });
        }
    }

    private static IResult Refused(int status, string error) => Results.Json(new { error }, statusCode: status);
}
