using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.NodeAgent.Audit;

public static class Configuration
{
    /// <summary>
    /// Registers the node's audit trail (<see cref="IAuditTrail"/>): the durable writer, the spool under
    /// <c>nodes/{id}/audit/</c>, the audit database and the shipper that carries the spool to the master.
    /// </summary>
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var config = sp.GetRequiredService<ClusterConfig>();
            var node = sp.GetRequiredService<NodeConfig>();
            return new AuditSpool(Path.Combine(config.NodeDir(node.Id), "audit"));
        });
        services.AddSingleton<AuditDatabase>();
        services.AddSingleton<AuditMetrics>();
        services.AddSingleton<DurableAuditTrail>();
        services.AddSingleton<IAuditTrail>(sp => sp.GetRequiredService<DurableAuditTrail>());
        services.AddHostedService(sp => sp.GetRequiredService<DurableAuditTrail>());
        services.AddHostedService<AuditShipper>();
        services.AddHostedService<AuditSchemaKeeper>();
        return services;
    }
}
