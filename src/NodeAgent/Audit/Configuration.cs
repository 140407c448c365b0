namespace Conjur.EventSourced.NodeAgent.Audit;

public static class Configuration
{
    /// <summary>Registers the node's audit trail (<see cref="IAuditTrail"/>).</summary>
    public static IServiceCollection AddAudit(this IServiceCollection services) =>
        services.AddSingleton<IAuditTrail, LoggedAuditTrail>();
}
