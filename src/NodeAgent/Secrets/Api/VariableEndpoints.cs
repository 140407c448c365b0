using System.Text;
using Conjur.EventSourced.NodeAgent.Audit;
using Conjur.EventSourced.NodeAgent.Secrets.Authz;
using Conjur.EventSourced.NodeAgent.Secrets.Storage;
using Microsoft.Extensions.Options;

namespace Conjur.EventSourced.NodeAgent.Secrets.Api;

/// <summary>
/// <c>GET|POST /secrets/{account}/variable/{id}</c> (one value, <c>?version=N</c>) and
/// <c>GET /secrets?variable_ids=...</c> (a JSON map of ids to values). A variable the caller may not see
/// answers 404, one it sees without <c>execute</c> (or <c>update</c> to write) 403, as Conjur does.
/// Values never reach a log line, an audit record or an error message.
/// </summary>
public static class VariableEndpoints
{
    public static void MapVariables(this IEndpointRouteBuilder app)
    {
        app.MapGet("/secrets/{account}/{kind}/{**id}", async (string account, string kind, string id, int? version, HttpContext http, SecretsStore store, IAuditTrail audit, CancellationToken ct) =>
        {
            if (await Caller.FromRequestAsync(http.Request, store, ct) is not { } caller)
            {
                return ConjurErrors.Unauthorized();
            }
            var rid = new ResourceId(account, kind, Uri.UnescapeDataString(id)).ToString();
            var read = (await store.ReadVariablesAsync(caller.RoleId, [rid], version, ct))[0];
            var (status, failure) = Check(read, version);
            await audit.RecordAsync(FetchAudit(caller, rid, read.Version ?? version, status is null, failure, http), ct);
            if (status is not null)
            {
                return status;
            }
            // A variable's mime_type is the Content-Type of its value, as in Conjur.
            return Results.Bytes(store.Open(read), read.MimeType ?? "application/octet-stream");
        });

        app.MapPost("/secrets/{account}/{kind}/{**id}", async (string account, string kind, string id, HttpContext http, SecretsStore store, IAuditTrail audit, IOptions<SecretsLimits> limits, CancellationToken ct) =>
        {
            if (await Caller.FromRequestAsync(http.Request, store, ct) is not { } caller)
            {
                return ConjurErrors.Unauthorized();
            }
            var rid = new ResourceId(account, kind, Uri.UnescapeDataString(id)).ToString();
            var max = limits.Value.MaxSecretBytes;
            if (await BoundedBody.ReadAsync(http.Request, max, ct) is not { } value)
            {
                var setting = SecretsLimits.Name(nameof(SecretsLimits.MaxSecretBytes));
                await audit.RecordAsync(new AuditEvent
                {
                    MessageId = "update", Operation = "update", Success = false, User = caller.RoleId, Subject = rid, ClientIp = Caller.ClientIp(http),
                    Message = $"{caller.RoleId} tried to update {rid}: the value is over {max} bytes ({setting})",
                }, ct);
                return BoundedBody.TooLarge(max, setting);
            }
            var (exists, privileges) = kind == "variable" ? await store.PrivilegesAsync(caller.RoleId, rid, ct) : (false, new HashSet<string>());
            IResult? refusal = !exists || privileges.Count == 0 ? NotFound(rid)
                : !privileges.Contains("update") ? ConjurErrors.Forbidden()
                : value.Length == 0 ? ConjurErrors.Unprocessable("Value cannot be empty")
                : null;
            int? version = refusal is null ? await store.AddVersionAsync(rid, value, ct) : null;
            await audit.RecordAsync(new AuditEvent
            {
                MessageId = "update", Operation = "update", Success = refusal is null, User = caller.RoleId, Subject = rid, ClientIp = Caller.ClientIp(http),
                Message = refusal is null ? $"{caller.RoleId} updated {rid} (version {version})" : $"{caller.RoleId} tried to update {rid}: refused",
            }, ct);
            return refusal ?? Results.StatusCode(StatusCodes.Status201Created);
        });

        app.MapGet("/secrets", async (HttpContext http, SecretsStore store, IAuditTrail audit, CancellationToken ct) =>
        {
            if (await Caller.FromRequestAsync(http.Request, store, ct) is not { } caller)
            {
                return ConjurErrors.Unauthorized();
            }
            var ids = http.Request.Query["variable_ids"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (ids.Length == 0)
            {
                return ConjurErrors.Unprocessable("variable_ids must be a comma-separated list of variable ids (account:variable:id)");
            }
            foreach (var raw in ids)
            {
                if (!ResourceId.TryParse(raw, out var parsed) || parsed.Kind != "variable")
                {
                    return ConjurErrors.Unprocessable($"'{raw}' is not a variable id (account:variable:id)");
                }
            }
            var reads = await store.ReadVariablesAsync(caller.RoleId, ids, null, ct);
            var base64 = http.Request.Headers.AcceptEncoding.ToString().Contains("base64", StringComparison.OrdinalIgnoreCase);
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            IResult? refusal = null;
            foreach (var read in reads)
            {
                var (status, failure) = Check(read, null);
                string? text = null;
                if (status is null)
                {
                    var bytes = store.Open(read);
                    text = base64 ? Convert.ToBase64String(bytes) : Utf8(bytes);
                    if (text is null)
                    {
                        (status, failure) = (ConjurErrors.NotAcceptable($"{read.ResourceId} holds binary data: request it with 'Accept-Encoding: base64'"), "binary value");
                    }
                }
                await audit.RecordAsync(FetchAudit(caller, read.ResourceId, read.Version, status is null, failure, http), ct);
                if (status is not null)
                {
                    refusal ??= status;
                    continue;
                }
                values[read.ResourceId] = text!;
            }
            if (refusal is not null)
            {
                return refusal;
            }
            if (base64)
            {
                http.Response.Headers.ContentEncoding = "base64";
            }
            return Results.Json(values);
        });
    }

    private static (IResult? Status, string? Failure) Check(VariableRead read, int? version) =>
        !read.Exists || !read.Visible ? (NotFound(read.ResourceId), "not found")
        : !read.CanExecute ? (ConjurErrors.Forbidden(), "forbidden")
        : read.Sealed is null ? (version is null
            ? NotFound(read.ResourceId)
            : ConjurErrors.NotFound($"Requested version does not exist", "variable", read.ResourceId), "no value")
        : (null, null);

    private static IResult NotFound(string rid) => ConjurErrors.NotFound($"Variable {rid} is empty or not found.", "variable", rid);

    private static string? Utf8(byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static AuditEvent FetchAudit(Caller caller, string rid, int? version, bool ok, string? failure, HttpContext http) => new()
    {
        MessageId = "fetch", Operation = "fetch", Success = ok, User = caller.RoleId, Subject = rid, ClientIp = Caller.ClientIp(http),
        Message = ok
            ? version is { } v ? $"{caller.RoleId} fetched version {v} of {rid}" : $"{caller.RoleId} fetched {rid}"
            : $"{caller.RoleId} tried to fetch {rid}: {failure}",
    };
}
