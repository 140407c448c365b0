using Conjur.EventSourced.NodeAgent.Ha;

namespace Conjur.EventSourced.NodeAgent.Postgres;

/// <summary>
/// Brings the database roles up to date (<see cref="PostgresRoles"/>) the first time this agent runs as an
/// accepting master: a cluster made by an earlier version is migrated when its master's agent is upgraded, and
/// a rotated replication or operator password takes effect when the master's agent restarts. A new master of
/// an up-to-date cluster finds nothing to change. Bootstrap does the same inline, before anything serves.
/// </summary>
public sealed class RoleKeeper(NodeState state, PostgresSupervisor postgres, ILogger<RoleKeeper> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var s = state.Current;
                if (s.Role != "master" || !s.AcceptingRequestsAt(DateTimeOffset.UtcNow))
                {
                    continue;
                }
                try
                {
                    await postgres.EnsureRolesAsync(stoppingToken);
                    log.LogInformation("database roles and their rights are up to date");
                    return;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.LogWarning("database roles not brought up to date yet: {Error}", e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
