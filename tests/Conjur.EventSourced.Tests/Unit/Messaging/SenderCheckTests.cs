using Conjur.EventSourced.Hosting.Messaging;

namespace Conjur.EventSourced.Tests.Unit.Messaging;

/// <summary>The sender check: (broker user, message kind, node named) to a verdict, one branch each.</summary>
public sealed class SenderCheckTests
{
    [Fact]
    public void AgentReportingOnItsOwnNode_Accepted() =>
        SenderCheck.Judge("agent-node1", MessageKind.AgentReport, "node1").ShouldBe(SenderVerdict.Accepted);

    [Fact]
    public void AgentReportingOnAnotherNode_OtherNode() =>
        SenderCheck.Judge("agent-node4", MessageKind.AgentReport, "node1").ShouldBe(SenderVerdict.OtherNode);

    [Fact]
    public void ReportWithoutUserId_NoUserId() =>
        SenderCheck.Judge(null, MessageKind.AgentReport, "node1").ShouldBe(SenderVerdict.NoUserId);

    [Fact]
    public void ReportWithAnEmptyUserId_NoUserId() =>
        SenderCheck.Judge("", MessageKind.AgentReport, "node1").ShouldBe(SenderVerdict.NoUserId);

    [Fact]
    public void ReportFromTheControlPlane_NotAnAgent() =>
        SenderCheck.Judge("controlplane", MessageKind.AgentReport, "node1").ShouldBe(SenderVerdict.NotAnAgent);

    [Fact]
    public void ReportFromTheBarePrefix_NotAnAgent() =>
        SenderCheck.Judge("agent-", MessageKind.AgentReport, "").ShouldBe(SenderVerdict.NotAnAgent);

    [Fact]
    public void ReportNamingNoNode_NoNodeId() =>
        SenderCheck.Judge("agent-node1", MessageKind.AgentReport, null).ShouldBe(SenderVerdict.NoNodeId);

    [Fact]
    public void NodeIdThatOnlyStartsLikeTheSenders_OtherNode() =>
        SenderCheck.Judge("agent-node1", MessageKind.AgentReport, "node10").ShouldBe(SenderVerdict.OtherNode);

    [Fact]
    public void CommandFromTheControlPlane_Accepted() =>
        SenderCheck.Judge("controlplane", MessageKind.ControlPlaneMessage, null).ShouldBe(SenderVerdict.Accepted);

    [Fact]
    public void CommandFromAnAgent_NotControlPlane() =>
        SenderCheck.Judge("agent-node4", MessageKind.ControlPlaneMessage, null).ShouldBe(SenderVerdict.NotControlPlane);

    [Fact]
    public void CommandFromTheSubscriber_NotControlPlane() =>
        SenderCheck.Judge("subscriber", MessageKind.ControlPlaneMessage, null).ShouldBe(SenderVerdict.NotControlPlane);

    [Fact]
    public void CommandWithoutUserId_NoUserId() =>
        SenderCheck.Judge(null, MessageKind.ControlPlaneMessage, null).ShouldBe(SenderVerdict.NoUserId);

    [Fact]
    public void EveryRefusal_HasItsOwnMetricLabel() =>
        Enum.GetValues<SenderVerdict>().Select(v => v.Label()).ShouldBeUnique();
}
