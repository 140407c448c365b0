using Conjur.EventSourced.ControlPlane.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Conjur.EventSourced.Tests.Unit.Access;

/// <summary>No route is open, or closed, by omission: the control plane refuses to start with one that declares no kind.</summary>
public sealed class RouteAccessTests
{
    [Fact]
    public async Task RouteWithoutAKind_StopsTheStartNamingIt()
    {
        await using var app = WebApplication.CreateBuilder().Build();
        app.MapGet("/api/declared", () => "ok").ForViewers();
        app.MapPost("/api/forgotten", () => "ok");

        var e = Should.Throw<InvalidOperationException>(app.VerifyEveryRouteDeclaresAccess);

        e.Message.ShouldContain("POST /api/forgotten");
        e.Message.ShouldNotContain("/api/declared");
    }

    [Fact]
    public async Task EveryRouteDeclared_Starts()
    {
        await using var app = WebApplication.CreateBuilder().Build();
        app.MapGet("/", () => "page").OpenToAll();
        app.MapPost("/api/act", () => Results.Accepted()).ForOperators();

        Should.NotThrow(app.VerifyEveryRouteDeclaresAccess);
    }
}
