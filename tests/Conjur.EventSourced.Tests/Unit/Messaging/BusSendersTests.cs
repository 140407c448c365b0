using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.Hosting.Messaging;

namespace Conjur.EventSourced.Tests.Unit.Messaging;

/// <summary>Every message of the contract has one sender, so the permissions and the sender check cover it.</summary>
public sealed class BusSendersTests
{
    private static readonly Type[] Messages = [.. typeof(NodeHeartbeat).Assembly.GetExportedTypes().Where(t => t.GetProperty("ClusterId") is not null)];

    [Fact]
    public void EveryContractMessage_ClassifiedExactlyOnce()
    {
        foreach (var type in Messages)
        {
            var places = new[] { BusSenders.AgentReports.ContainsKey(type), BusSenders.Commands.Contains(type), BusSenders.ControlPlaneEvents.Contains(type) };
            places.Count(p => p).ShouldBe(1, type.Name);
        }
    }

    [Fact]
    public void Heartbeat_NamesItsNode() =>
        BusSenders.Classify(typeof(NodeHeartbeat), Heartbeat("node3")).ShouldBe((MessageKind.AgentReport, "node3"));

    [Fact]
    public void LockWinner_IsTheCandidate() =>
        BusSenders.Classify(typeof(PromotionLockAcquired), new PromotionLockAcquired
        {
            FailoverId = Guid.NewGuid(), ClusterId = "c", Kind = FailoverKinds.Automatic, Candidate = "node2", FormerMaster = "node1",
            Term = 1, Position = 0, Replicas = [], AcquiredAt = DateTimeOffset.UtcNow,
        }).ShouldBe((MessageKind.AgentReport, "node2"));

    [Fact]
    public void Command_IsTheControlPlanes() =>
        BusSenders.Classify(typeof(StepDown), new StepDown { FailoverId = Guid.NewGuid(), ClusterId = "c", NodeId = "node1", Target = "node2" })
            .ShouldBe((MessageKind.ControlPlaneMessage, null));

    [Fact]
    public void ExchangeName_IsMassTransits() =>
        BusSenders.ExchangeOf(typeof(NodeHeartbeat)).ShouldBe("Conjur.EventSourced.Contracts.Nodes:NodeHeartbeat");

    private static NodeHeartbeat Heartbeat(string node) => new()
    {
        ClusterId = "c", NodeId = node, AgentInstance = Guid.NewGuid(), Sequence = 1, Role = NodeRoles.Standby,
        Healthy = true, PostgresRunning = true, ObservedAt = DateTimeOffset.UtcNow,
    };
}
