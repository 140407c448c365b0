using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Conjur.EventSourced.ControlPlane.Access;

namespace Conjur.EventSourced.ControlPlane.Health;

/// <summary><c>GET /healthz</c>: the control plane itself (its Postgres and its bus), as JSON an operator can read.</summary>
public static class HealthEndpoint
{
    public static IServiceCollection AddControlPlaneHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("postgres");
        return services;
    }

    public static IEndpointRouteBuilder MapControlPlaneHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = WriteAsync }).OpenToAll();
        return app;
    }

    /// <summary>
    /// Open to probes, so without a credential it says only healthy or not, per check; the descriptions (database
    /// errors, the bus's endpoint names) need a viewer's or operator's credential.
    /// </summary>
    private static Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        var known = OperatorIdentity.Of(http) is not null;
        var body = new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString().ToLowerInvariant(), description = known ? e.Value.Description : null }),
        };
        return http.Response.WriteAsync(JsonSerializer.Serialize(body, JsonSerializerOptions.Web));
    }
}
