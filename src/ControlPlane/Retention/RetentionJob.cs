using Microsoft.Extensions.Options;

namespace Conjur.EventSourced.ControlPlane.Retention;

/// <summary>Runs <see cref="HeartbeatRetention"/> every <see cref="RetentionOptions.Interval"/>; a failed pass is logged and retried next time.</summary>
public sealed class RetentionJob(HeartbeatRetention retention, IOptions<RetentionOptions> options, ILogger<RetentionJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            logger.LogInformation("Retention is disabled (ControlPlane:Retention:Enabled=false): raw heartbeats are kept forever");
            return;
        }
        using var timer = new PeriodicTimer(options.Value.Interval);
        do
        {
            try
            {
                await retention.ApplyAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Retention pass failed; retrying in {Interval}", options.Value.Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
