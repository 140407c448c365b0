using System.Text;
using Conjur.EventSourced.NodeAgent.Audit;
using Conjur.EventSourced.NodeAgent.Secrets.Policy;
using Conjur.EventSourced.NodeAgent.Secrets.Storage;

namespace Conjur.EventSourced.NodeAgent.Secrets.Api;

/// <summary>
/// <c>POST</c> (append), <c>PATCH</c> (update: the same as append here, since the subset has no
/// <c>!delete</c>/<c>!revoke</c>) and <c>PUT</c> (replace: what the policy no longer declares is deleted)
/// <c>/policies/{account}/policy/{id}</c>. Answers 201 with Conjur's body: the created roles' API keys and the policy's version.
/// </summary>
public static class PolicyEndpoints
{
    public static void MapPolicies(this IEndpointRouteBuilder app)
    {
        foreach (var method in new[] { "POST", "PUT", "PATCH" })
        {
            app.MapMethods("/policies/{account}/policy/{**id}", [method], (string account, string id, HttpContext http, SecretsStore store, IAuditTrail audit, CancellationToken ct) =>
                LoadAsync(method, account, Uri.UnescapeDataString(id), http, store, audit, ct));
        }
    }

    private static async Task<IResult> LoadAsync(string method, string account, string id, HttpContext http, SecretsStore store, IAuditTrail audit, CancellationToken ct)
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
        if (!privileges.Contains("update") && !(method == "POST" && privileges.Contains("create")))
        {
            await audit.RecordAsync(Audit(caller, policyId, false, "forbidden", http), ct);
            return ConjurErrors.Forbidden();
        }
        string yaml;
        using (var reader = new StreamReader(http.Request.Body, Encoding.UTF8))
        {
            yaml = await reader.ReadToEndAsync(ct);
        }
        try
        {
            var doc = PolicyParser.Parse(yaml, account, id);
            var (created, version) = await store.LoadPolicyAsync(policyId, doc, replace: method == "PUT", caller.RoleId, yaml, method, ct);
            await audit.RecordAsync(Audit(caller, policyId, true, null, http), ct);
            return Results.Json(new Dictionary<string, object>
            {
                ["created_roles"] = created.ToDictionary(c => c.Id, c => new Dictionary<string, string> { ["id"] = c.Id, ["api_key"] = c.ApiKey }),
                ["version"] = version,
            }, statusCode: StatusCodes.Status201Created);
        }
        catch (PolicyException e)
        {
            await audit.RecordAsync(Audit(caller, policyId, false, $"invalid policy at line {e.Line}", http), ct);
            return ConjurErrors.Unprocessable(e.Message, "policy_invalid",
                new Dictionary<string, object> { ["code"] = "policy_invalid", ["policy"] = policyId, ["line"] = e.Line, ["column"] = e.Column, ["message"] = e.Reason });
        }
    }

    private static AuditEvent Audit(Caller caller, string policyId, bool ok, string? failure, HttpContext http) => new()
    {
        MessageId = "policy", Operation = "load", Success = ok, User = caller.RoleId, Subject = policyId, ClientIp = Caller.ClientIp(http),
        Message = ok ? $"{caller.RoleId} loaded policy {policyId}" : $"{caller.RoleId} failed to load policy {policyId}: {failure}",
    };
}
