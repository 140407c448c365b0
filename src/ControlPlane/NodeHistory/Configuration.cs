using JasperFx.Events.Projections;
using Marten;
using Conjur.EventSourced.ControlPlane.Access;

namespace Conjur.EventSourced.ControlPlane.NodeHistory;

public static class Configuration
{
    public static void AddNodeHistoryProjection(this StoreOptions options)
    {
        options.Projections.Add<NodeHistoryProjection>(ProjectionLifecycle.Async);
        options.Schema.For<NodeHistory>().Index(h => h.ClusterId);
    }

    public static IEndpointRouteBuilder MapNodeHistoryProjection(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/nodes/{id}/history", GetNodeHistory.HandleAsync).ForViewers();
        return app;
    }
}
