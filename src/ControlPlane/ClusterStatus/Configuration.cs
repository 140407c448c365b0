using JasperFx.Events.Projections;
using Marten;

namespace Conjur.EventSourced.ControlPlane.ClusterStatus;

public static class Configuration
{
    /// <summary>Inline: the recorder reads the status back to filter the next batch, so it must be exact after each commit.</summary>
    public static void AddClusterStatusProjections(this StoreOptions options)
    {
        options.Projections.Add<NodeStatusProjection>(ProjectionLifecycle.Inline);
        options.Schema.For<NodeStatus>().Index(s => s.ClusterId);
    }

    public static IEndpointRouteBuilder MapClusterStatus(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/cluster", GetCluster.HandleAsync);
        return app;
    }
}
