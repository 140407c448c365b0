using Conjur.EventSourced.Cli.Secrets;
using Conjur.EventSourced.Hosting.Topology;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>A running cluster with an account <c>acme</c> made the way <c>cluster account create</c> makes it.</summary>
public abstract class ClusterWithAccount(IMessageSink sink, int basePort, IReadOnlyList<(string Id, NodeRole Role, bool Async)>? nodes = null)
    : RunningCluster(sink, basePort, nodes)
{
    public const string Account = "acme";

    public string AdminApiKey { get; private set; } = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        AdminApiKey = await ConjurClient.CreateAccountAsync(Config, Account, cts.Token);
    }
}
