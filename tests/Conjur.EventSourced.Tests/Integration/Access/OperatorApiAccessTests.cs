using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Conjur.EventSourced.Tests.Fixtures;

namespace Conjur.EventSourced.Tests.Integration.Access;

/// <summary>Phase 1: the holes as an attacker on the same host sees them.</summary>
[Collection("clusters-b")]
public sealed class OperatorApiAccessTests(ClusterForOperatorAuth cluster) : IClassFixture<ClusterForOperatorAuth>
{
    private string Url => cluster.Config.ControlPlane.Url;

    private string Token(string name)
    {
        var path = Path.Combine(cluster.Config.StateDir, "secrets", "operator", name + ".token");
        return File.Exists(path) ? File.ReadAllText(path).Trim() : "missing-" + name;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, HttpContent? content = null, string? host = null)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(method, Url + path) { Content = content };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (host is not null)
        {
            request.Headers.Host = host;
        }
        return await http.SendAsync(request);
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private async Task<string?> MasterAsync()
    {
        using var r = await SendAsync(HttpMethod.Get, "/api/cluster", Token("viewer"));
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("master").GetString();
    }

    [Fact]
    public async Task SwitchoverWithoutCredential_401AndTheMasterStays()
    {
        var master = await MasterAsync();
        using var response = await SendAsync(HttpMethod.Post, "/api/switchover", null, Json(new { target = master == "node2" ? "node3" : "node2" }));
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ReadWithoutCredential_401()
    {
        using var response = await SendAsync(HttpMethod.Get, "/api/cluster", null);
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task BadHost_Refused()
    {
        using var response = await SendAsync(HttpMethod.Get, "/api/cluster", Token("viewer"), host: "rebound.example:20030");
        response.StatusCode.ShouldBe(HttpStatusCode.MisdirectedRequest);
    }

    [Fact]
    public async Task ForcedPromotionOfTheFollower_Refused()
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/promote", Token("operator"), Json(new { node = "node4", force = true }));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("follower");
    }
}
