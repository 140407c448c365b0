using Conjur.EventSourced.ControlPlane.Access;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.ControlPlane.Dashboard;

/// <summary>
/// The live dashboard: a static page (HTML, CSS and plain JavaScript embedded in the assembly, no build
/// step) at <c>/</c> and <c>/dashboard</c>, fed by <c>GET /api/stream</c> (server-sent events).
/// </summary>
public static class Configuration
{
    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        // HAProxy's stats answer HTTPS under TLS: trust the cluster CA alone.
        services.AddHttpClient(nameof(LoadBalancerStats))
            .ConfigurePrimaryHttpMessageHandler(sp => ClusterHttp.Handler(sp.GetRequiredService<ClusterConfig>()));
        services.AddSingleton<LoadBalancerStats>();
        services.AddSingleton<DashboardFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<DashboardFeed>());
        return services;
    }

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext http) => DashboardAssets.Serve(http, "index.html")).OpenToAll();
        app.MapGet("/dashboard", (HttpContext http) => DashboardAssets.Serve(http, "index.html")).OpenToAll();
        app.MapGet("/dashboard/{file}", (HttpContext http, string file) => DashboardAssets.Serve(http, file)).OpenToAll();
        app.MapGet("/api/stream", DashboardStream.StreamAsync).ForViewers();
        return app;
    }
}
