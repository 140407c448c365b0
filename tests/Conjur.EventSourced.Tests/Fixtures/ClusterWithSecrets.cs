using Conjur.EventSourced.Cli.Secrets;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>
/// The secrets API's one cluster (four nodes, in the secrets engineer's port range) with an account
/// <c>acme</c> created the way <c>cluster account create</c> does it. The tests share it; the failover
/// scenario runs last (<see cref="StepOrderer"/>) because it kills the master.
/// </summary>
public sealed class ClusterWithSecrets(IMessageSink sink) : RunningCluster(sink, 19000), IAsyncLifetime
{
    public const string Account = "acme";

    public string AdminApiKey { get; private set; } = "";

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        AdminApiKey = await ConjurClient.CreateAccountAsync(Config, Account, cts.Token);
    }
}
