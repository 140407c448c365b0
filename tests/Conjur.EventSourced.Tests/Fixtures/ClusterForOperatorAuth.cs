using Conjur.EventSourced.Hosting.Topology;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>
/// A four-node cluster whose operator API is attacked: besides the operator's and the viewer's credentials it has
/// a second operator, <c>alice</c> (a credential added in cluster.json), and one extra Host name, <c>cp.test</c>.
/// </summary>
public sealed class ClusterForOperatorAuth(IMessageSink sink) : RunningCluster(sink, 20000, configure: c => c with
{
    ControlPlane = c.ControlPlane with
    {
        Access = c.ControlPlane.Access with
        {
            Credentials = [.. ApiAccessConfig.DefaultCredentials, new("alice", ApiRole.Operator, "secrets/operator/alice.token")],
            AllowedHosts = ["cp.test"],
        },
    },
})
{
    public string AliceToken => File.ReadAllText(Path.Combine(Config.StateDir, "secrets", "operator", "alice.token")).Trim();
}
