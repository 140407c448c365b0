using Conjur.EventSourced.Hosting.Topology;
using Marten;

namespace Conjur.EventSourced.ControlPlane.Access;

/// <summary>
/// Who may call the API (docs/failover.md#operator-api-access): credentials by name and role from the files
/// cluster.json names, a Host allow-list, a decision per route kind, the dashboard's session cookie, and the
/// operator stream that records every request that changes the cluster.
/// </summary>
public static class Configuration
{
    /// <param name="credentials">Loaded before the host is built, so a bad credential file stops the process at start.</param>
    public static IServiceCollection AddApiAccess(this IServiceCollection services, CredentialStore credentials, ClusterConfig config)
    {
        services.AddSingleton(credentials);
        services.AddSingleton(sp => new DashboardSessions(sp.GetRequiredService<TimeProvider>(), TimeSpan.FromMinutes(config.ControlPlane.Access.SessionMinutes)));
        services.AddSingleton<ApiGate>();
        services.AddSingleton<OperatorAudit>();
        services.AddHostedService(sp => sp.GetRequiredService<OperatorAudit>());
        return services;
    }

    public static void AddApiAccessEvents(this StoreOptions options) =>
        options.Events.AddEventTypes([typeof(OperatorRequestAuthorized), typeof(OperatorRequestRefused)]);

    /// <summary>After routing (the route's kind is known), before any route runs.</summary>
    public static IApplicationBuilder UseApiAccess(this IApplicationBuilder app)
    {
        var services = app.ApplicationServices;
        services.GetRequiredService<CredentialStore>().UseLogger(services.GetRequiredService<ILoggerFactory>().CreateLogger<CredentialStore>());
        return app.UseMiddleware<ApiAccessMiddleware>().UseMiddleware<ControlCharacterGuard>();
    }

    public static IEndpointRouteBuilder MapApiSession(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/session", CreateSession.Handle).ForSessionLogin();
        return app;
    }

    /// <summary>Throws at start if a route declares no <see cref="RouteAccess"/>: none may be open, or closed, by omission.</summary>
    public static void VerifyEveryRouteDeclaresAccess(this IEndpointRouteBuilder app)
    {
        var undeclared = app.DataSources
            .SelectMany(d => d.Endpoints)
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<RouteAccess>() is null)
            .Select(e => $"{string.Join("/", e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"])} {e.RoutePattern.RawText}")
            .ToList();
        if (undeclared.Count > 0)
        {
            throw new InvalidOperationException($"routes without an access kind (OpenToAll, ForViewers, ForOperators): {string.Join(", ", undeclared)}");
        }
    }
}
