using Conjur.EventSourced.Cli.Secrets;
using Conjur.EventSourced.Hosting.Topology;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>
/// The smallest cluster that ships audit: a master and a follower (which streams, and ships, through
/// HAProxy), on ports 21000-21150. The agents run with the test-only audit producer
/// (<c>POST /audit/test/records</c>), which records synthetic accesses through the real trail, and an
/// account <c>audit</c> for real secret reads.
/// </summary>
public sealed class MasterWithFollowerForAudit(IMessageSink sink)
    : RunningCluster(sink, 21000, [("node1", NodeRole.Master, false), ("node2", NodeRole.Follower, false)])
{
    /// <summary>ASP.NET reads <c>Audit:TestProducer</c> from this environment variable; agents inherit it from the test process.</summary>
    public const string ProducerVariable = "Audit__TestProducer";

    public const string Account = "audit";

    public string AdminApiKey { get; private set; } = "";

    public NodeConfig Master => Node("node1");
    public NodeConfig Follower => Node("node2");

    public override async Task InitializeAsync()
    {
        await WithProducerAsync(base.InitializeAsync);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        AdminApiKey = await ConjurClient.CreateAccountAsync(Config, Account, cts.Token);
    }

    public override async Task DisposeAsync()
    {
        Environment.SetEnvironmentVariable(ProducerVariable, null);
        await base.DisposeAsync();
    }

    /// <summary>Starts a node's agent (again) with the producer enabled, only for the agents started meanwhile.</summary>
    public Task StartAgentAsync(NodeConfig node) => WithProducerAsync(() => Launcher.StartAgentAsync(node));

    private static async Task WithProducerAsync(Func<Task> start)
    {
        Environment.SetEnvironmentVariable(ProducerVariable, "true");
        try
        {
            await start();
        }
        finally
        {
            Environment.SetEnvironmentVariable(ProducerVariable, null);
        }
    }

    public string AuditConnectionString() => LoadBalancerConnectionString("audit");
}
