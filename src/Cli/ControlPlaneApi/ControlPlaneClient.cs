using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Cli.ControlPlaneApi;

/// <summary>
/// The operator API of the control plane: switchover, forced promotion, re-enrolment and the failover
/// sagas' state. Every call is bounded; failures become <see cref="ControlPlaneException"/> with a message
/// fit for an operator.
/// </summary>
/// <param name="token">The API token sent as <c>Authorization: Bearer</c> on every call; null sends none.</param>
/// <param name="handler">How to connect (the cluster CA's trust under TLS: <see cref="ClusterHttp.Handler"/>); null for plain defaults.</param>
public sealed class ControlPlaneClient(string baseUrl, TimeSpan? timeout = null, string? token = null, SocketsHttpHandler? handler = null) : IDisposable
{
    /// <summary>Another credential's token file than the cluster's operator token (a second operator's, say).</summary>
    public const string TokenFileVariable = "CONJUR_OPERATOR_TOKEN_FILE";

    /// <summary>
    /// Reads are bounded by <c>timeout</c> (5 s by default); commands (POST) by at least 30 s: starting a saga
    /// on a control plane that has not run one yet takes seconds on a loaded machine, and a command is never
    /// retried blindly, so giving up early would only leave the operator guessing whether it was taken.
    /// </summary>
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private readonly TimeSpan _readTimeout = timeout ?? TimeSpan.FromSeconds(5);
    private readonly HttpClient _http = new(handler ?? new SocketsHttpHandler()) { BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"), Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>The cluster's control plane, with the operator token from the state folder (or <see cref="TokenFileVariable"/>'s file).</summary>
    public ControlPlaneClient(ClusterConfig config, TimeSpan? timeout = null)
        : this(config.ControlPlaneUrl, timeout, ClusterSecrets.ReadApiToken(TokenFile(config)), ClusterHttp.Handler(config)) { }

    public static string TokenFile(ClusterConfig config) =>
        Environment.GetEnvironmentVariable(TokenFileVariable) is { Length: > 0 } path ? Path.GetFullPath(path) : config.OperatorTokenFile();

    public string BaseUrl => baseUrl;

    /// <summary>POST /api/switchover {"target"}: 202 with the failover id.</summary>
    public async Task<Guid> SwitchoverAsync(string target, CancellationToken ct) =>
        FailoverId(await SendAsync(HttpMethod.Post, "api/switchover", new { target }, ct), "switchover");

    /// <summary>POST /api/promote {"node", "force": true}: 202 with the failover id.</summary>
    public async Task<Guid> PromoteAsync(string node, bool force, CancellationToken ct) =>
        FailoverId(await SendAsync(HttpMethod.Post, "api/promote", new { node, force }, ct), "promote");

    /// <summary>POST /api/reenroll {"node"}: the control plane's answer as it is.</summary>
    public async Task<JsonElement?> ReenrollAsync(string node, CancellationToken ct) =>
        await SendAsync(HttpMethod.Post, "api/reenroll", new { node }, ct);

    /// <summary>GET /api/failovers/{id}; null when the control plane does not know it (yet).</summary>
    public async Task<JsonElement?> GetFailoverAsync(Guid id, CancellationToken ct)
    {
        try
        {
            return await SendAsync(HttpMethod.Get, $"api/failovers/{id}", null, ct);
        }
        catch (ControlPlaneException e) when (e.NotFound)
        {
            return null;
        }
    }

    /// <summary>GET /api/failovers: the list as the control plane returns it.</summary>
    public async Task<JsonElement?> ListFailoversAsync(CancellationToken ct) =>
        await SendAsync(HttpMethod.Get, "api/failovers", null, ct);

    /// <summary>GET of any operator API path (with its query string): the JSON as it is.</summary>
    public Task<JsonElement?> GetAsync(string pathAndQuery, CancellationToken ct) => SendAsync(HttpMethod.Get, pathAndQuery.TrimStart('/'), null, ct);

    /// <summary>POST of an empty JSON object to any operator API path (state changes take JSON only).</summary>
    public Task<JsonElement?> PostAsync(string pathAndQuery, CancellationToken ct) => SendAsync(HttpMethod.Post, pathAndQuery.TrimStart('/'), new { }, ct);

    private async Task<JsonElement?> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        var limit = method == HttpMethod.Get ? _readTimeout : (_readTimeout > CommandTimeout ? _readTimeout : CommandTimeout);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(limit);
        HttpResponseMessage response;
        try
        {
            // The default completion option buffers the body within the same bound.
            response = await _http.SendAsync(request, bounded.Token);
        }
        catch (HttpRequestException e)
        {
            throw new ControlPlaneException($"the control plane at {baseUrl} is not answering ({e.Message}): is the cluster up? try './cluster status'", inner: e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new ControlPlaneException($"the control plane at {baseUrl} did not answer {method} /{path} within {limit.TotalSeconds:0.#} s", inner: e);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                // A bare 404 (no JSON error) is a route this control plane does not serve: say so rather than blame the node.
                var hint = response.StatusCode switch
                {
                    HttpStatusCode.NotFound when string.IsNullOrWhiteSpace(text) => $": this control plane has no {method} /{path} (is it older than this CLI?)",
                    HttpStatusCode.Unauthorized when token is null => Detail(text) + " (this client sends no token)",
                    _ => Detail(text),
                };
                throw new ControlPlaneException(
                    $"the control plane refused {method} /{path}: {(int)response.StatusCode} {response.ReasonPhrase}{hint}",
                    response.StatusCode, text);
            }
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }
            try
            {
                using var doc = JsonDocument.Parse(text);
                return doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new ControlPlaneException($"the control plane answered {method} /{path} with something that is not JSON: {Trim(text)}", response.StatusCode, text, e);
            }
        }
    }

    /// <summary>The control plane's JSON error as an operator should read it: its error/title/detail fields, else the body.</summary>
    public static string Detail(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return "";
        }
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                var parts = new[] { "error", "title", "detail", "reason", "message" }
                    .Select(k => doc.RootElement.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null)
                    .Where(s => !string.IsNullOrWhiteSpace(s)).Distinct().ToList();
                if (parts.Count > 0)
                {
                    return ": " + string.Join(" - ", parts) + $" ({Trim(body)})";
                }
            }
            return ": " + Trim(body);
        }
        catch (JsonException)
        {
            return ": " + Trim(body);
        }
    }

    private static string Trim(string s)
    {
        s = s.ReplaceLineEndings(" ").Trim();
        return s.Length > 400 ? s[..400] + "..." : s;
    }

    private Guid FailoverId(JsonElement? answer, string what)
    {
        if (answer is { ValueKind: JsonValueKind.Object } a && a.TryGetProperty("failoverId", out var id)
            && id.ValueKind == JsonValueKind.String && Guid.TryParse(id.GetString(), out var guid))
        {
            return guid;
        }
        throw new ControlPlaneException($"the control plane at {baseUrl} accepted the {what} but its answer has no failoverId: {answer?.GetRawText() ?? "(empty)"}",
            HttpStatusCode.Accepted, answer?.GetRawText());
    }

    public void Dispose() => _http.Dispose();
}
