using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Tests.Unit.Topology;

public sealed class ClusterConfigTests
{
    [Fact]
    public void DefaultTopology_IsValid_AndRoundTripsThroughJson()
    {
        var dir = Path.Combine(Path.GetTempPath(), "conjur-config-" + Guid.NewGuid().ToString("N"));
        var config = DefaultTopology.Create(dir, 20000);
        try
        {
            config.Save(config.ConfigPath);
            var loaded = ClusterConfig.Load(config.ConfigPath);

            loaded.Nodes.Select(n => (n.Id, n.Role)).ShouldBe(config.Nodes.Select(n => (n.Id, n.Role)));
            loaded.EtcdEndpoints.Count.ShouldBe(3);
            loaded.FailoverStandbys.Select(n => n.Id).ShouldBe(["node2", "node3"]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ConfigurationFromBeforeTls_KeepsRunningInPlainText_ANewOneIsTls()
    {
        var dir = Directory.CreateTempSubdirectory("conjur-config-").FullName;
        try
        {
            var config = DefaultTopology.Create(dir, 20000) with { Tls = new TlsConfig() };
            config.Save(config.ConfigPath);
            ClusterConfig.Load(config.ConfigPath).Tls.Enabled.ShouldBeTrue();

            var old = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(config.ConfigPath))!.AsObject();
            old.Remove("tls");
            File.WriteAllText(config.ConfigPath, old.ToJsonString());

            ClusterConfig.Load(config.ConfigPath).Tls.Enabled.ShouldBeFalse();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TwoMasters_AreRejectedWithAReason()
    {
        var config = DefaultTopology.Create("/tmp/x", 20000) with { };
        var broken = config with { Nodes = config.Nodes.Select(n => n with { Role = NodeRole.Master }).ToList() };

        var error = Should.Throw<ConfigurationException>(broken.Validate);

        error.Message.ShouldContain("exactly one node must start as master");
    }

    [Fact]
    public void ClashingPorts_AreRejectedNamingBothOwners()
    {
        var config = DefaultTopology.Create("/tmp/x", 20000);
        var broken = config with { LoadBalancer = config.LoadBalancer with { HttpPort = config.Nodes[0].HttpPort } };

        var error = Should.Throw<ConfigurationException>(broken.Validate);

        error.Message.ShouldContain($"port {config.Nodes[0].HttpPort} is used by");
    }

    [Fact]
    public void LeaseTtlBelowEtcdMinimum_IsRejected()
    {
        var config = DefaultTopology.Create("/tmp/x", 20000);

        Should.Throw<ConfigurationException>((config with { Failover = new FailoverConfig { LeaseTtlSeconds = 1 } }).Validate)
            .Message.ShouldContain("leaseTtlSeconds");
    }

    [Fact]
    public void MalformedJson_GivesAClearError()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "{ not json");
            Should.Throw<ConfigurationException>(() => ClusterConfig.Load(path)).Message.ShouldContain("not valid JSON");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AsyncStandby_StreamsThroughTheLoadBalancer_FailoverStandbyDoesNot()
    {
        var config = DefaultTopology.Create("/tmp/x", 20000, nodes:
        [
            ("node1", NodeRole.Master, false), ("node2", NodeRole.Standby, false), ("node3", NodeRole.Standby, false),
            ("dr1", NodeRole.Standby, true), ("node4", NodeRole.Follower, false),
        ]);

        config.Node("dr1").StreamsThroughLoadBalancer.ShouldBeTrue();
        config.Node("node2").StreamsThroughLoadBalancer.ShouldBeFalse();
        config.FailoverStandbys.Select(n => n.Id).ShouldBe(["node2", "node3"]);
    }
}
