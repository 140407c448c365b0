using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Secrets.Api;
using Conjur.EventSourced.NodeAgent.Secrets.Crypto;
using Conjur.EventSourced.NodeAgent.Secrets.Limits;
using Conjur.EventSourced.NodeAgent.Secrets.Storage;
using Microsoft.Extensions.Options;

namespace Conjur.EventSourced.NodeAgent.Secrets;

public static class Configuration
{
    /// <summary>
    /// Registers the Conjur-compatible secrets API; reads the data key now so a missing or malformed one stops the
    /// agent at start, and binds <see cref="SecretsLimits"/> from <c>NodeAgent:Secrets:Limits</c> (a limit that is not
    /// positive stops it too, naming the setting). <paramref name="limits"/> are the authentication limits (<see cref="AuthnLimits.From"/>).
    /// </summary>
    public static IServiceCollection AddSecrets(this IServiceCollection services, ClusterConfig config, IConfiguration configuration, AuthnLimits limits)
    {
        services.AddOptions<SecretsLimits>()
            .Bind(configuration.GetSection(SecretsLimits.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SecretsLimits>, SecretsLimits.Validator>();
        services.AddSingleton(new DataCipher(config.DataKey()));
        services.AddSingleton(limits);
        services.AddSingleton<AuthnLimiter>();
        services.AddHostedService(sp => sp.GetRequiredService<AuthnLimiter>());
        services.AddSingleton<SecretsStore>();
        services.AddSingleton<WriteForwarder>();
        services.AddHostedService<SchemaKeeper>();
        return services;
    }

    public static void MapSecrets(this WebApplication app)
    {
        app.UseWhen(http => RoleGate.IsSecretsPath(http.Request.Path), branch => branch.UseMiddleware<RoleGate>());
        app.MapAuthn();
        app.MapVariables();
        app.MapResources();
        app.MapPolicies();
        app.MapAccounts();
    }
}
