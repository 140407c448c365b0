using Conjur.EventSourced.Cli.Secrets;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>
/// A four-node cluster (ports 19400-19531) with an account <c>acme</c> made the way <c>cluster account create</c>
/// makes it, for the attacks on policy loading: each scenario sets up its own sub-policy and hosts, so the
/// scenarios share the cluster without sharing records.
/// </summary>
public sealed class ClusterForPolicyAuthorization(IMessageSink sink) : RunningCluster(sink, 19400), IAsyncLifetime
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
