using Conjur.EventSourced.NodeAgent.Ha;

namespace Conjur.EventSourced.NodeAgent.Secrets.Storage;

/// <summary>Creates the secrets tables as soon as this node is an accepting master (a fresh cluster, or a promoted standby of an old one).</summary>
public sealed class SchemaKeeper(NodeState state, SecretsStore store, ILogger<SchemaKeeper> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var s = state.Current;
            if (s.Role == "master" && s.AcceptingRequestsAt(DateTimeOffset.UtcNow))
            {
                try
                {
                    await store.EnsureSchemaAsync(stoppingToken);
                    log.LogInformation("secrets schema ready in the policy database");
                    return;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.LogWarning("secrets schema not created yet: {Error}", e.Message);
                }
            }
            await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
        }
    }
}
