using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Conjur.EventSourced.ControlPlane.Access;
using Conjur.EventSourced.ControlPlane.ClusterHistory;
using Conjur.EventSourced.ControlPlane.Failover;
using Conjur.EventSourced.ControlPlane.Storage;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.Tests.Fixtures;
using Marten;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Conjur.EventSourced.Tests.Integration.Failover;

/// <summary>
/// The failover endpoints as the control plane maps them, behind its access check, on Kestrel (127.0.0.1:26900)
/// with the real store and an in-memory bus: binding, status codes and camelCase JSON as a client sees them.
/// </summary>
[Collection("failover")]
public sealed class FailoverHttpTests(FailoverPostgres postgres) : IAsyncLifetime
{
    private const string Url = "http://127.0.0.1:26900";
    private readonly string _cluster = "ht" + Guid.NewGuid().ToString("N")[..8];
    private WebApplication _app = null!;
    private readonly HttpClient _http = new() { BaseAddress = new Uri(Url) };

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls(Url);
        var config = DefaultTopology.Create(Path.Combine(Path.GetTempPath(), "conjur-http-tests-" + _cluster), clusterId: _cluster);
        // Its own port, so the Host check takes 127.0.0.1:26900 as the control plane's own name.
        config = config with { ControlPlane = config.ControlPlane with { HttpPort = 26900 } };
        config.EnsureApiTokens();
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiTokens.Operator(config));
        builder.Services.AddSingleton(config);
        builder.Services.AddApiAccess(CredentialStore.Load(config), config);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddMarten(o =>
        {
            o.Connection(postgres.ConnectionString);
            ControlPlaneStore.Configure(o);
        });
        builder.Services.AddClusterHistory();
        builder.Services.AddFailover();
        builder.Services.AddSingleton<IClusterMembersReader>(new FixedMembers("node1", "node1", "node2", "node3", "node4"));
        builder.Services.AddMassTransit(bus =>
        {
            bus.DisableUsageTelemetry();
            bus.UsingInMemory();
        });
        _app = builder.Build();
        _app.UseRouting();
        _app.UseApiAccess();
        _app.MapFailovers();
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        var state = _app.Services.GetRequiredService<ClusterConfig>().StateDir;
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(state, recursive: true);
    }

    private static async Task<string> ErrorOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!;

    [Fact]
    public async Task PromoteWithoutForce_400WithJsonError()
    {
        var response = await _http.PostAsJsonAsync("/api/promote", new { node = "node3" });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ErrorOf(response)).ShouldContain("may lose writes");
    }

    [Fact]
    public async Task SwitchoverToMaster_409AndUnknownNode_400()
    {
        var toMaster = await _http.PostAsJsonAsync("/api/switchover", new { target = "node1" });
        var unknown = await _http.PostAsJsonAsync("/api/switchover", new { target = "node9" });

        toMaster.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        unknown.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ErrorOf(unknown)).ShouldContain("node9");
    }

    [Fact]
    public async Task SwitchoverAccepted_202WithFailoverIdThenSecondRefusedWhileRunning()
    {
        var response = await _http.PostAsJsonAsync("/api/switchover", new { target = "node2" });

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("failoverId").GetGuid();
        id.ShouldNotBe(Guid.Empty);

        // No saga consumes on this bus: store one as running to see the refusal.
        await using (var session = _app.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Insert(new FailoverState { CorrelationId = id, ClusterId = _cluster, Kind = "switchover", CurrentState = "SteppingDown", Candidate = "node2", StartedAt = DateTimeOffset.UtcNow });
            await session.SaveChangesAsync();
        }
        var second = await _http.PostAsJsonAsync("/api/switchover", new { target = "node3" });
        second.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await ErrorOf(second)).ShouldContain(id.ToString());

        var list = await _http.GetFromJsonAsync<JsonElement>("/api/failovers");
        list.EnumerateArray().Single().GetProperty("state").GetString().ShouldBe("SteppingDown");
        var one = await _http.GetFromJsonAsync<JsonElement>($"/api/failovers/{id}");
        one.GetProperty("failover").GetProperty("candidate").GetString().ShouldBe("node2");
        (await _http.GetAsync($"/api/failovers/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
