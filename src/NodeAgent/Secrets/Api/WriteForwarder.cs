using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;
using Microsoft.Extensions.Options;
using Conjur.EventSourced.NodeAgent.Trust;

namespace Conjur.EventSourced.NodeAgent.Secrets.Api;

/// <summary>
/// A follower's writes (variable updates, policy loads) go to the master through the load balancer (under TLS its
/// internal front, over mutual TLS with this agent's certificate), with the caller's own token: the master authorises and audits them as the caller's.
/// The client's address goes with them signed by this node (<see cref="IPeerAuthentication.VouchForClient"/>),
/// since the load balancer drops and overwrites every forwarding header a client could also have sent.
/// The answer, whatever it is, goes back unchanged.
/// </summary>
public sealed class WriteForwarder(ClusterConfig config, AgentCertificates certificates, IOptions<SecretsLimits> limits, IPeerAuthentication peers, ILogger<WriteForwarder> log) : IDisposable
{
    private static readonly string[] Copied = ["Authorization", "Content-Type", "Accept", "Accept-Encoding", ClusterSecrets.BootstrapHeader, "User-Agent"];
    private readonly HttpClient _http = new(NodeToMaster.Handler(config, certificates))
    {
        BaseAddress = new Uri(config.MasterUrlForNodes),
        Timeout = TimeSpan.FromSeconds(30),
    };

    public void Dispose() => _http.Dispose();

    public async Task ForwardAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var request = http.Request;
        var pathAndQuery = request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), pathAndQuery);
        // The master would refuse an oversized body; the follower must not hold one in memory to forward it.
        var (limit, setting) = limits.Value.BodyLimit(request.Path);
        if (await BoundedBody.ReadAsync(request, limit, http.RequestAborted) is not { } body)
        {
            await BoundedBody.TooLarge(limit, setting).ExecuteAsync(http);
            return;
        }
        message.Content = new ByteArrayContent(body);
        foreach (var name in Copied)
        {
            if (request.Headers.TryGetValue(name, out var values) && !message.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                message.Content.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }
        peers.VouchForClient(message, Caller.ClientIp(http), request.Method, pathAndQuery);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(message, http.RequestAborted);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            log.LogWarning("forwarding {Method} {Path} to the master failed: {Error}", request.Method, request.Path, e.Message);
            await ConjurErrors.Unavailable("not accepting requests: the master cannot be reached to take this write").ExecuteAsync(http);
            return;
        }
        using (response)
        {
            http.Response.StatusCode = (int)response.StatusCode;
            foreach (var h in response.Content.Headers.Concat(response.Headers))
            {
                if (h.Key is "Content-Type" or "Content-Encoding")
                {
                    http.Response.Headers[h.Key] = h.Value.ToArray();
                }
            }
            await response.Content.CopyToAsync(http.Response.Body, http.RequestAborted);
        }
    }
}
