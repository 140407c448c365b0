using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Tests.Unit.Security;

/// <summary>What <c>cluster up</c> writes for the node keys, on a real folder, and how it migrates one from the shared key.</summary>
public sealed class NodeKeysTests : IDisposable
{
    private readonly ClusterConfig _config = DefaultTopology.Create(Path.Combine(Path.GetTempPath(), $"node-keys-{Guid.NewGuid():N}"), 41000);

    public void Dispose()
    {
        if (Directory.Exists(_config.StateDir))
        {
            Directory.Delete(_config.StateDir, recursive: true);
        }
    }

    [Fact]
    public void StateFolderWithTheSharedKey_LosesIt_AndEachNodeGetsItsOwn()
    {
        SecretFiles.Write(_config.LegacyAuditShipKeyFile(), "0123456789abcdef");

        NodeKeys.Ensure(_config);

        File.Exists(_config.LegacyAuditShipKeyFile()).ShouldBeFalse();
        var keys = _config.Nodes.Select(n => SecretFiles.Read(_config.NodeSigningKeyFile(n.Id))).ToList();
        keys.Distinct().Count().ShouldBe(_config.Nodes.Count);
        _config.Nodes.ShouldAllBe(n => File.GetUnixFileMode(_config.NodeSigningKeyFile(n.Id)) == (UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    [Fact]
    public void NodesKey_IsDerivedFromTheRoot()
    {
        NodeKeys.Ensure(_config);

        NodeKeys.Read(_config.NodeSigningKeyFile("node4"))
            .ShouldBe(NodeKeys.Derive(NodeKeys.Read(_config.NodeKeyRootFile()), _config.ClusterId, "node4"));
    }

    [Fact]
    public void SecondRun_ChangesNothing()
    {
        NodeKeys.Ensure(_config);
        var before = SecretFiles.Read(_config.NodeSigningKeyFile("node1"));

        NodeKeys.Ensure(_config);

        SecretFiles.Read(_config.NodeSigningKeyFile("node1")).ShouldBe(before);
    }

    [Fact]
    public void RotatedRoot_RewritesEveryNodesKey()
    {
        NodeKeys.Ensure(_config);
        var before = SecretFiles.Read(_config.NodeSigningKeyFile("node1"));
        File.Delete(_config.NodeKeyRootFile());

        NodeKeys.Ensure(_config);

        SecretFiles.Read(_config.NodeSigningKeyFile("node1")).ShouldNotBe(before);
    }

    [Theory]
    [InlineData("node2", true)]
    [InlineData("Node2", false)]
    [InlineData("node 2", false)]
    [InlineData("", false)]
    public void NodeIdShape(string id, bool valid) => NodeKeys.IsNodeId(id).ShouldBe(valid);
}
