using Conjur.EventSourced.NodeAgent.Ha;

namespace Conjur.EventSourced.NodeAgent.Audit;

/// <summary>
/// Creates the audit schema as soon as this node is an accepting master (first start, or after a
/// promotion), so the operator's <c>cluster audit</c> finds the table before the first record.
/// Idempotent; checked again whenever the node (re)becomes master.
/// </summary>
public sealed class AuditSchemaKeeper(NodeState state, AuditDatabase database, ILogger<AuditSchemaKeeper> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var wasMaster = false;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var s = state.Current;
                var master = s.Role == "master" && s.AcceptingRequestsAt(DateTimeOffset.UtcNow);
                if (master && !wasMaster)
                {
                    database.Forget();
                }
                if (master)
                {
                    try
                    {
                        await database.EnsureSchemaAsync(stoppingToken);
                        if (!wasMaster)
                        {
                            log.LogInformation("audit: schema ready in the audit database");
                        }
                        wasMaster = true;
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        log.LogWarning("audit: cannot prepare the audit schema yet: {Error}", e.Message);
                    }
                }
                else
                {
                    wasMaster = false;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
