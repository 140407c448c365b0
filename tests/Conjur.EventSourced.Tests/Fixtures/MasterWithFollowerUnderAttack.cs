using Conjur.EventSourced.Cli.Secrets;
using Conjur.EventSourced.Hosting.Topology;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>
/// A master and a follower (ports 20800-20950) whose agents run with the test-only audit producer and with
/// tight authentication limits, so a burst of wrong keys reaches them within a test and the summary of the
/// refused attempts is written within seconds: 5 failures per login, 20 per client address, in 10 s windows.
/// The settings reach this cluster's agents only (not the process environment another fixture could inherit).
/// An account <c>trust</c> for real secret reads.
/// </summary>
public sealed class MasterWithFollowerUnderAttack(IMessageSink sink)
    : RunningCluster(sink, 20800, [("node1", NodeRole.Master, false), ("node2", NodeRole.Follower, false)], agentSettings: AgentSettings)
{
    public const string Account = "trust";
    public const int FailuresPerLogin = 5;
    public const int FailuresPerClient = 20;
    public const int WindowSeconds = 10;

    private static readonly Dictionary<string, string> AgentSettings = new()
    {
        [MasterWithFollowerForAudit.ProducerVariable] = "true",
        ["Authn__FailuresPerLogin"] = $"{FailuresPerLogin}",
        ["Authn__FailuresPerClient"] = $"{FailuresPerClient}",
        ["Authn__FailureWindowSeconds"] = $"{WindowSeconds}",
    };

    public string AdminApiKey { get; private set; } = "";

    public NodeConfig Master => Node("node1");
    public NodeConfig Follower => Node("node2");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        AdminApiKey = await ConjurClient.CreateAccountAsync(Config, Account, cts.Token);
    }
}
