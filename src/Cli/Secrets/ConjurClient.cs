using System.Net;
using System.Text;
using System.Text.Json;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Cli.Secrets;

/// <summary>
/// A small client of the cluster's Conjur-compatible API (what an application's Conjur SDK does):
/// used by <c>cluster account create</c>, <c>cluster bench secrets</c> and the tests.
/// </summary>
/// <param name="config">The cluster: under TLS the client trusts its CA alone (<see cref="ClusterHttp"/>).</param>
public sealed class ConjurClient(ClusterConfig config, string baseUrl, TimeSpan? timeout = null) : IDisposable
{
    private readonly HttpClient _http = new(ClusterHttp.Handler(config, new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) }))
    {
        BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"),
        Timeout = timeout ?? TimeSpan.FromSeconds(30),
    };

    public string BaseUrl { get; } = baseUrl.TrimEnd('/');

    public void Dispose() => _http.Dispose();

    /// <summary>Creates an account and its admin through the agent's bootstrap endpoint; returns the admin's API key.</summary>
    public static async Task<string> CreateAccountAsync(ClusterConfig config, string account, CancellationToken ct)
    {
        using var client = new ConjurClient(config, config.LoadBalancerUrl);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"internal/accounts/{Uri.EscapeDataString(account)}");
        request.Headers.Add(ClusterSecrets.BootstrapHeader, SecretFiles.Read(config.BootstrapTokenFile()));
        using var response = await client._http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new SecretsApiException($"creating account '{account}' failed: {(int)response.StatusCode} {ErrorMessage(body)}", (int)response.StatusCode);
        }
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("api_key").GetString()!;
    }

    /// <summary>Authenticates and returns the header value <c>Token token="..."</c>.</summary>
    public async Task<string> AuthenticateAsync(string account, string login, string apiKey, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"authn/{Uri.EscapeDataString(account)}/{Uri.EscapeDataString(login)}/authenticate")
        {
            Content = new StringContent(apiKey, Encoding.UTF8, "text/plain"),
        };
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "base64");
        using var response = await _http.SendAsync(request, ct);
        await EnsureAsync(response, $"authenticate {login}", HttpStatusCode.OK, ct);
        return $"Token token=\"{await response.Content.ReadAsStringAsync(ct)}\"";
    }

    /// <summary>Loads a policy (POST: append) and returns the created roles' API keys by role id.</summary>
    public async Task<IReadOnlyDictionary<string, string>> LoadPolicyAsync(string token, string account, string policyId, string yaml, CancellationToken ct, string method = "POST")
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), $"policies/{Uri.EscapeDataString(account)}/policy/{Uri.EscapeDataString(policyId)}")
        {
            Content = new StringContent(yaml, Encoding.UTF8, "application/x-yaml"),
        };
        request.Headers.TryAddWithoutValidation("Authorization", token);
        using var response = await _http.SendAsync(request, ct);
        await EnsureAsync(response, $"load policy {policyId}", HttpStatusCode.Created, ct);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return doc.RootElement.GetProperty("created_roles").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetProperty("api_key").GetString()!);
    }

    public async Task SetSecretAsync(string token, string account, string variable, byte[] value, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"secrets/{Uri.EscapeDataString(account)}/variable/{Uri.EscapeDataString(variable)}")
        {
            Content = new ByteArrayContent(value),
        };
        request.Headers.TryAddWithoutValidation("Authorization", token);
        using var response = await _http.SendAsync(request, ct);
        await EnsureAsync(response, $"set {variable}", HttpStatusCode.Created, ct);
    }

    /// <summary>Fetches a value; returns the status and the bytes (empty unless 200).</summary>
    public async Task<(int Status, byte[] Value)> FetchAsync(string token, string account, string variable, CancellationToken ct, int? version = null)
    {
        var path = $"secrets/{Uri.EscapeDataString(account)}/variable/{Uri.EscapeDataString(variable)}" + (version is { } v ? $"?version={v}" : "");
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Authorization", token);
        using var response = await _http.SendAsync(request, ct);
        return ((int)response.StatusCode, response.IsSuccessStatusCode ? await response.Content.ReadAsByteArrayAsync(ct) : []);
    }

    /// <summary>A raw request, for the tests' status-code checks.</summary>
    public async Task<(int Status, string Body)> SendAsync(HttpMethod method, string path, string? token, string? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "text/plain");
        }
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", token);
        }
        using var response = await _http.SendAsync(request, ct);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what, HttpStatusCode expected, CancellationToken ct)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            throw new SecretsApiException($"{what} failed: {(int)response.StatusCode} {ErrorMessage(body)}", (int)response.StatusCode);
        }
    }

    private static string ErrorMessage(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.GetProperty("error").GetProperty("message").GetString() ?? body;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }

}
