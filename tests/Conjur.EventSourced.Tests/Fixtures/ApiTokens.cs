using Conjur.EventSourced.Hosting.Tls;
using System.Net.Http.Headers;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>The control plane API's tokens of a test cluster, as the CLI reads them from its state folder.</summary>
public static class ApiTokens
{
    public static string Operator(ClusterConfig config) => ClusterSecrets.ReadApiToken(config.OperatorTokenFile());

    public static string Viewer(ClusterConfig config) => ClusterSecrets.ReadApiToken(config.ViewerTokenFile()!);

    /// <summary>An HttpClient that sends <paramref name="token"/> (the operator's unless told) on every request.</summary>
    public static HttpClient Client(ClusterConfig config, TimeSpan timeout, string? token = null)
    {
        var http = ClusterHttp.Client(config, timeout);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token ?? Operator(config));
        return http;
    }
}
