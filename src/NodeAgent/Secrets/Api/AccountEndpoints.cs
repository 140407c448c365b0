using System.Net;
using System.Security.Cryptography;
using System.Text;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Secrets.Storage;

namespace Conjur.EventSourced.NodeAgent.Secrets.Api;

/// <summary>
/// <c>POST /internal/accounts/{account}</c>: what <c>cluster account create</c> calls (through the load
/// balancer) to make an account and its admin, answering the admin's API key once. Not part of Conjur's
/// API: it takes the bootstrap token of the cluster's secrets folder in <c>Conjur-Bootstrap</c> (not an
/// <c>X-Conjur-*</c> header, which the load balancer drops) and is refused unless the client, as
/// <see cref="Caller.ClientIp"/> judges it, is on loopback (directly or through the local load balancer).
/// </summary>
public static class AccountEndpoints
{
    public static void MapAccounts(this IEndpointRouteBuilder app)
    {
        app.MapPost("/internal/accounts/{account}", async (string account, HttpContext http, ClusterConfig config, SecretsStore store, ILoggerFactory logs, CancellationToken ct) =>
        {
            if (!IPAddress.TryParse(Caller.ClientIp(http), out var client) || !IPAddress.IsLoopback(client))
            {
                return ConjurErrors.Forbidden();
            }
            string expected;
            try
            {
                expected = SecretFiles.Read(config.BootstrapTokenFile());
            }
            catch (FileNotFoundException)
            {
                return ConjurErrors.Unavailable($"the bootstrap token file {config.BootstrapTokenFile()} is missing on this node");
            }
            var given = http.Request.Headers[ClusterSecrets.BootstrapHeader].ToString();
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected)))
            {
                return ConjurErrors.Unauthorized();
            }
            if (account.Length is 0 or > 64 || account.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            {
                return ConjurErrors.Unprocessable($"account name '{account}' must be 1-64 letters, digits, '-', '_' or '.'");
            }
            try
            {
                var apiKey = await store.CreateAccountAsync(account, ct);
                logs.CreateLogger("Secrets.Accounts").LogInformation("created account {Account} and its admin user", account);
                return Results.Json(new Dictionary<string, string> { ["account"] = account, ["admin"] = $"{account}:user:admin", ["api_key"] = apiKey }, statusCode: StatusCodes.Status201Created);
            }
            catch (AccountExistsException e)
            {
                return ConjurErrors.Conflict(e.Message);
            }
        });
    }
}
