using Conjur.EventSourced.ControlPlane.Failover.Api;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.Tests.Integration.Failover;
using MassTransit;
using Microsoft.AspNetCore.Http;

namespace Conjur.EventSourced.Tests.Unit.Failover;

/// <summary>
/// Operator requests refused before anything is published. The handlers are called as the minimal API
/// calls them; refusals happen before the store or the bus is touched, so neither is given.
/// </summary>
public class FailoverApiValidationTests
{
    private static readonly ClusterConfig Config = DefaultTopology.Create("/tmp/conjur-api", clusterId: "api");
    private static readonly FixedMembers Members = new("node1", "node1", "node2", "node3", "node4");

    private static (int Status, string Error) Refusal(IResult result)
    {
        var status = result.ShouldBeAssignableTo<IStatusCodeHttpResult>()!.StatusCode.ShouldNotBeNull();
        var value = result.ShouldBeAssignableTo<IValueHttpResult>()!.Value.ShouldNotBeNull();
        var error = value.GetType().GetProperty("error")!.GetValue(value).ShouldBeOfType<string>();
        return (status, error);
    }

    private static Task<IResult> Switchover(string? target) =>
        RequestSwitchover.HandleAsync(new SwitchoverBody(target), Config, Members, null!, null!, TimeProvider.System, null, default);

    private static Task<IResult> Promote(string? node, bool? force) =>
        RequestForcedPromotion.HandleAsync(new PromoteBody(node, force), Config, Members, null!, null!, TimeProvider.System, null, default);

    [Fact]
    public async Task SwitchoverWithoutTarget_BadRequest()
    {
        Refusal(await Switchover(null)).Status.ShouldBe(400);
        Refusal(await RequestSwitchover.HandleAsync(null, Config, Members, null!, null!, TimeProvider.System, null, default)).Error.ShouldContain("target");
    }

    [Fact]
    public async Task SwitchoverToUnknownNode_BadRequestListingMembers()
    {
        var (status, error) = Refusal(await Switchover("node9"));

        status.ShouldBe(400);
        error.ShouldContain("unknown node 'node9'");
        error.ShouldContain("node2");
    }

    [Fact]
    public async Task SwitchoverToFollower_BadRequest()
    {
        var (status, error) = Refusal(await Switchover("node4"));

        status.ShouldBe(400);
        error.ShouldContain("follower");
    }

    [Fact]
    public async Task SwitchoverToTheMaster_Conflict()
    {
        var (status, error) = Refusal(await Switchover("node1"));

        status.ShouldBe(409);
        error.ShouldBe("'node1' is already the master");
    }

    [Fact]
    public async Task SwitchoverWithoutHealthyMaster_Conflict()
    {
        var result = await RequestSwitchover.HandleAsync(new SwitchoverBody("node2"), Config, new FixedMembers(null, "node1", "node2"), null!, null!,
            TimeProvider.System, null, default);

        Refusal(result).Status.ShouldBe(409);
    }

    [Fact]
    public async Task PromoteWithoutForce_BadRequestWarningOfLostWrites()
    {
        foreach (var force in new bool?[] { null, false })
        {
            var (status, error) = Refusal(await Promote("node3", force));
            status.ShouldBe(400);
            error.ShouldContain("may lose writes");
        }
    }

    [Fact]
    public async Task PromoteUnknownOrMissingNode_BadRequest()
    {
        Refusal(await Promote("node9", true)).Status.ShouldBe(400);
        Refusal(await Promote(null, true)).Status.ShouldBe(400);
    }

    [Fact]
    public async Task PromoteTheMaster_Conflict() => Refusal(await Promote("node1", true)).Status.ShouldBe(409);

    [Fact]
    public async Task PromoteTheFollower_BadRequestSayingWhy()
    {
        var (status, error) = Refusal(await Promote("node4", true));

        status.ShouldBe(400);
        error.ShouldContain("'node4' is a follower");
    }

    [Fact]
    public async Task PromoteANodeReportingFollower_BadRequest()
    {
        var members = new FixedMembers("node1", "node1", "node2", "node3", "node5") { Roles = new Dictionary<string, string> { ["node5"] = "follower" } };

        var result = await RequestForcedPromotion.HandleAsync(new PromoteBody("node5", true), Config, members, null!, null!, TimeProvider.System, null, default);

        Refusal(result).Error.ShouldContain("follower");
    }

    [Fact]
    public async Task PromoteAFencedNode_ConflictNamingReenrol()
    {
        var members = new FixedMembers(null, "node1", "node2", "node3", "node4") { LastKnown = "node2", Fenced = ["node1"] };

        var (status, error) = Refusal(await RequestForcedPromotion.HandleAsync(new PromoteBody("node1", true), Config, members, null!, null!,
            TimeProvider.System, null, default));

        status.ShouldBe(409);
        error.ShouldContain("fenced");
        error.ShouldContain("/api/reenroll");
    }

    [Fact]
    public async Task PromoteARemovedNode_BadRequest()
    {
        var members = new FixedMembers("node2", "node2", "node3", "node4");

        Refusal(await RequestForcedPromotion.HandleAsync(new PromoteBody("node1", true), Config, members, null!, null!, TimeProvider.System, null, default))
            .Error.ShouldContain("unknown node 'node1'");
    }

    [Fact]
    public async Task ReenrollTheMasterOrUnknown_Refused()
    {
        Refusal(await RequestReenroll.HandleAsync(new ReenrollBody("node1"), Config, Members, null!, null!, TimeProvider.System, null, default)).Status.ShouldBe(409);
        Refusal(await RequestReenroll.HandleAsync(new ReenrollBody("nodeX"), Config, Members, null!, null!, TimeProvider.System, null, default)).Status.ShouldBe(400);
        Refusal(await RequestReenroll.HandleAsync(null, Config, Members, null!, null!, TimeProvider.System, null, default)).Status.ShouldBe(400);
    }

    [Fact]
    public void SagaQueue_StartsWithClusterId()
    {
        var names = ControlPlane.Messaging.ControlPlaneBus.EndpointNames(Config);

        names.Saga<ControlPlane.Failover.FailoverState>().ShouldBe("api-failover-state");
        names.Consumer<ControlPlane.ClusterHistory.FailoverBlockedConsumer>().ShouldStartWith("api-");
    }
}
