using System.Text.Json;
using Conjur.EventSourced.NodeAgent.Ha;

namespace Conjur.EventSourced.NodeAgent.Audit;

/// <summary>
/// <c>POST /audit/records</c>: where nodes ship their spooled records, reached through the load balancer,
/// with the cluster's <see cref="AuditShipKey"/> (else 401). Only the node that accepts requests as master takes them (anything else answers 503 and the sender
/// retries); a malformed batch is refused whole with 400; a batch is acknowledged only once committed.
/// </summary>
public static class AuditEndpoints
{
    public const string TestProducerSetting = "Audit:TestProducer";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void MapAudit(this WebApplication app)
    {
        app.MapPost("/audit/records", async (HttpRequest request, NodeState state, AuditDatabase database, AuditShipKey key, ILogger<AuditDatabase> log, CancellationToken ct) =>
        {
            if (!key.Accepts(request.Headers[AuditShipKey.Header].FirstOrDefault()))
            {
                return Results.Json(new { error = $"audit records are accepted only from the cluster's agents: missing or wrong {AuditShipKey.Header}" }, statusCode: 401);
            }
            var s = state.Current;
            if (s.Role != "master" || !s.AcceptingRequestsAt(DateTimeOffset.UtcNow))
            {
                return Results.Json(new { error = $"not accepting audit records: this node is {(s.Role == "master" ? "a master that is not accepting requests" : "a " + s.Role)}" }, statusCode: 503);
            }
            ShippedBatch? batch;
            try
            {
                batch = await JsonSerializer.DeserializeAsync<ShippedBatch>(request.Body, Json, ct);
            }
            catch (JsonException e)
            {
                // The parser's own message can quote the offending text: give only where it broke.
                return Results.Json(new { error = $"malformed batch: not valid JSON for a batch of audit records (at {e.Path ?? "$"}, line {e.LineNumber}, byte {e.BytePositionInLine})" }, statusCode: 400);
            }
            var errors = ShippedBatchValidation.Errors(batch);
            if (errors.Count > 0)
            {
                return Results.Json(new { error = "malformed batch: nothing was stored", details = errors }, statusCode: 400);
            }
            var records = ShippedBatchValidation.ToRecords(batch!);
            int stored;
            try
            {
                stored = await database.InsertAsync(records, ignoreDuplicates: true, ct);
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
            {
                log.LogWarning("audit: could not store a batch of {Count} record(s) from {Origin}: {Error}", records.Count, batch!.Origin, e.Message);
                return Results.Json(new { error = "the audit database is not available: retry" }, statusCode: 503);
            }
            return Results.Json(new ShipAcknowledgement(batch!.Origin!, records.Count, stored, records.Count - stored, records[^1].Sequence));
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
}
