using Conjur.EventSourced.ControlPlane.Access;
namespace Conjur.EventSourced.ControlPlane.Replay;

/// <summary>Replay for audit: the raw event log. The cluster at a past time is <c>GET /api/cluster?at=</c> (ClusterStatus).</summary>
public static class Configuration
{
    public static IEndpointRouteBuilder MapReplay(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/events", GetEvents.HandleAsync).ForViewers();
        return app;
    }
}
