using System.Text;
using Conjur.EventSourced.NodeAgent.Audit;
using Conjur.EventSourced.NodeAgent.Secrets.Authz;
using Conjur.EventSourced.NodeAgent.Secrets.Policy;
using Conjur.EventSourced.NodeAgent.Secrets.Storage;
using Microsoft.Extensions.Options;

namespace Conjur.EventSourced.NodeAgent.Secrets.Api;

/// <summary>
/// <c>POST</c> (append: adds, changes nothing), <c>PATCH</c> (update: also changes what it re-declares) and <c>PUT</c>
/// (replace: also deletes what the policy no longer declares) <c>/policies/{account}/policy/{id}</c>, authorized as
/// Conjur does it (<see cref="PolicyAuthorization"/>). Answers 201 with Conjur's body: the created roles' API keys and
/// the policy's version; 404 (policy not visible), 403 (not permitted), 409 (another load of the account
/// still running after <see cref="SecretsStore.LoadLockWait"/>), 413 (body over its limit), 422 (invalid), each audited.
/// </summary>
public static class PolicyEndpoints
{
    public static void MapPolicies(this IEndpointRouteBuilder app)
    {
        foreach (var method in new[] { "POST", "PUT", "PATCH" })
        {
            app.MapMethods("/policies/{account}/policy/{**id}", [method], (string account, string id, HttpContext http, SecretsStore store, IAuditTrail audit, IOptions<SecretsLimits> limits, CancellationToken ct) =>
                LoadAsync(method, account, Uri.UnescapeDataString(id), http, store, audit, limits.Value, ct));
        }
    }

    private static async Task<IResult> LoadAsync(string method, string account, string id, HttpContext http, SecretsStore store, IAuditTrail audit, SecretsLimits limits, CancellationToken ct)
    {
        if (await Caller.FromRequestAsync(http.Request, store, ct) is not { } caller)
        {
            return ConjurErrors.Unauthorized();
        }
        var policyId = $"{account}:policy:{id}";
        var (exists, privileges) = await store.PrivilegesAsync(caller.RoleId, policyId, ct);
        if (!exists || privileges.Count == 0)
        {
            await audit.RecordAsync(Audit(caller, policyId, false, "not found", http), ct);
            return ConjurErrors.NotFound($"Policy {policyId} not found", "policy", policyId);
        }
        if (PolicyAuthorization.MayLoad(method, policyId, privileges) is { } forbidden)
        {
            await audit.RecordAsync(Audit(caller, policyId, false, forbidden.Message, http), ct);
            return ConjurErrors.Forbidden(forbidden.Message);
        }
        if (await BoundedBody.ReadAsync(http.Request, limits.MaxPolicyBytes, ct) is not { } body)
        {
            var setting = SecretsLimits.Name(nameof(SecretsLimits.MaxPolicyBytes));
            await audit.RecordAsync(Audit(caller, policyId, false, $"the policy is over {limits.MaxPolicyBytes} bytes ({setting})", http), ct);
            return BoundedBody.TooLarge(limits.MaxPolicyBytes, setting);
        }
        // As a StreamReader would read it: a leading byte order mark is not part of the policy.
        var yaml = Encoding.UTF8.GetString(body).TrimStart('\uFEFF');
        try
        {
            var doc = PolicyParser.Parse(yaml, account, id, limits);
            var (created, version) = await store.LoadPolicyAsync(policyId, doc, method, caller.RoleId, yaml, ct);
            await audit.RecordAsync(Audit(caller, policyId, true, null, http), ct);
            return Results.Json(new Dictionary<string, object>
            {
                ["created_roles"] = created.ToDictionary(c => c.Id, c => new Dictionary<string, string> { ["id"] = c.Id, ["api_key"] = c.ApiKey }),
                ["version"] = version,
            }, statusCode: StatusCodes.Status201Created);
        }
        catch (PolicyException e)
        {
            await audit.RecordAsync(Audit(caller, policyId, false, $"invalid policy at line {e.Line}: {e.Reason}", http), ct);
            return Invalid(policyId, e.Message, e.Line, e.Column, e.Reason);
        }
        catch (PolicyConflictException e)
        {
            await audit.RecordAsync(Audit(caller, policyId, false, e.Message, http), ct);
            http.Response.Headers.RetryAfter = "2";
            return ConjurErrors.Error(StatusCodes.Status409Conflict, "policy_conflict", "Concurrent policy load in progress, please retry");
        }
        catch (PolicyRefusedException e)
        {
            await audit.RecordAsync(Audit(caller, policyId, false, e.Refusal.Message, http), ct);
            return e.Refusal.Kind == PolicyRefusal.Kinds.Forbidden
                ? ConjurErrors.Forbidden(e.Refusal.Message)
                : Invalid(policyId, e.Refusal.Message, e.Refusal.Line, 1, $"{e.Refusal.Statement}: {e.Refusal.Reason}");
        }
    }

    /// <summary>422 <c>policy_invalid</c> with Conjur's <c>innererror</c>.</summary>
    private static IResult Invalid(string policyId, string message, long line, long column, string reason) =>
        ConjurErrors.Unprocessable(message, "policy_invalid",
            new Dictionary<string, object> { ["code"] = "policy_invalid", ["policy"] = policyId, ["line"] = line, ["column"] = column, ["message"] = reason });

    private static AuditEvent Audit(Caller caller, string policyId, bool ok, string? failure, HttpContext http) => new()
    {
        MessageId = "policy", Operation = "load", Success = ok, User = caller.RoleId, Subject = policyId, ClientIp = Caller.ClientIp(http),
        Message = ok ? $"{caller.RoleId} loaded policy {policyId}" : $"{caller.RoleId} failed to load policy {policyId}: {failure}",
    };
}
