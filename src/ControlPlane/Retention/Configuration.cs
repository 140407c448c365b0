using Marten;
using Conjur.EventSourced.ControlPlane.Access;

namespace Conjur.EventSourced.ControlPlane.Retention;

public static class Configuration
{
    public static IServiceCollection AddRetention(this IServiceCollection services, IConfiguration? configuration = null)
    {
        var options = services.AddOptions<RetentionOptions>();
        if (configuration is not null)
        {
            options.Bind(configuration.GetSection(RetentionOptions.Section));
        }
        services.AddSingleton<HeartbeatRetention>();
        services.AddHostedService<RetentionJob>();
        return services;
    }

    public static void AddRetentionEvents(this StoreOptions options) =>
        options.Events.AddEventTypes([typeof(HeartbeatsCompacted)]);

    /// <summary><c>POST /api/retention/apply</c>: one pass now (operators, tests, the storage benchmark).</summary>
    public static IEndpointRouteBuilder MapRetention(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/retention/apply", async (HeartbeatRetention retention, CancellationToken ct) => Results.Ok(await retention.ApplyAsync(ct))).ForOperators();
        return app;
    }
}
