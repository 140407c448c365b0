using Conjur.EventSourced.Hosting.Tls;
using System.Text;
using Conjur.EventSourced.Cli.Secrets;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Secrets;
using Conjur.EventSourced.Tests.Fuzzing;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>
/// A master and a follower (ports 28600-28750) of its own: the fuzzer trips the authentication limits, which would
/// refuse another class's logins. The account holds a host <c>fuzzer</c> that may load into policy <c>fuzz</c> and read
/// and set <c>fuzz-open</c>, and a variable <c>fuzz-hidden</c> only the admin may read, set to a random value.
/// </summary>
public sealed class ClusterForFuzzing(IMessageSink sink)
    : ClusterWithAccount(sink, 28600, [("node1", NodeRole.Master, false), ("node2", NodeRole.Follower, false)])
{
    public NodeConfig Master => Node("node1");
    public NodeConfig Follower => Node("node2");

    public string HiddenValue { get; } = $"fuzz-hidden-{Guid.NewGuid():N}";
    public string OpenValue { get; } = "fuzz-open-value";

    public FuzzTargets Targets { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var lb = new ConjurClient(Config, Config.LoadBalancerUrl);
        var admin = await lb.AuthenticateAsync(Account, "admin", AdminApiKey, cts.Token);
        var keys = await lb.LoadPolicyAsync(admin, Account, "root", """
            - !variable fuzz-open
            - !variable fuzz-hidden
            - !host fuzzer
            - !policy
              id: fuzz
              body: []
            - !permit
              role: !host fuzzer
              privileges: [read, execute, update]
              resource: !variable fuzz-open
            - !permit
              role: !host fuzzer
              privileges: [read, create, update]
              resource: !policy fuzz
            """, cts.Token);
        await lb.SetSecretAsync(admin, Account, "fuzz-open", Encoding.UTF8.GetBytes(OpenValue), cts.Token);
        await lb.SetSecretAsync(admin, Account, "fuzz-hidden", Encoding.UTF8.GetBytes(HiddenValue), cts.Token);
        var apiKey = keys[$"{Account}:host:fuzzer"];
        var token = await lb.AuthenticateAsync(Account, "host/fuzzer", apiKey, cts.Token);
        // The follower serves the same records before the run starts, so its routes are fuzzed with data behind them.
        using var follower = new ConjurClient(Config, Config.ApiUrl(Follower));
        await Wait.ForAsync("the follower to serve the fuzz account's records", async c => (await follower.FetchAsync(admin, Account, "fuzz-hidden", c)).Status == 200,
            TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200), cts.Token);
        Targets = new FuzzTargets
        {
            CaFile = Config.Tls.Enabled ? Config.PublicCaFile() : null,
            Account = Account,
            FuzzerLogin = "host/fuzzer",
            FuzzerApiKey = apiKey,
            FuzzerToken = token["Token token=\"".Length..^1],
            OpenVariable = "fuzz-open",
            HiddenVariable = "fuzz-hidden",
            ViewerToken = ApiTokens.Viewer(Config),
            OperatorToken = ApiTokens.Operator(Config),
            NodeIds = [.. Config.Nodes.Select(n => n.Id)],
            FollowerId = Follower.Id,
            FollowerSigningKey = NodeKeys.Read(Config.NodeSigningKeyFile(Follower.Id)),
            MaxSecretBytes = new SecretsLimits().MaxSecretBytes,
        };
    }

    /// <summary>Values no answer may hold: the hidden variable's, the admin's API key, and every credential in the state folder.</summary>
    public IReadOnlyList<string> ForbiddenValues()
    {
        var values = new List<string> { HiddenValue, Convert.ToBase64String(Encoding.UTF8.GetBytes(HiddenValue)), AdminApiKey };
        foreach (var file in Directory.EnumerateFiles(Config.SecretsDir, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".pub", StringComparison.Ordinal)))
        {
            foreach (var line in File.ReadAllLines(file))
            {
                var value = line.Trim();
                var field = value.Split(':')[^1];
                if (value.Length >= 16 && !value.StartsWith("-----", StringComparison.Ordinal))
                {
                    values.Add(value);
                }
                if (field.Length >= 16 && field != value)
                {
                    values.Add(field);
                }
            }
        }
        return [.. values.Distinct(StringComparer.Ordinal)];
    }
}
