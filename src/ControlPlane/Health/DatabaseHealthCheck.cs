using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Conjur.EventSourced.ControlPlane.Health;

/// <summary>The control plane is of no use if it cannot record: its own Postgres must answer.</summary>
public sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("select 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (NpgsqlException e)
        {
            return HealthCheckResult.Unhealthy($"control-plane Postgres does not answer: {e.Message}");
        }
    }
}
