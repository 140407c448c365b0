using Conjur.EventSourced.Cli.ControlPlaneApi;

namespace Conjur.EventSourced.Tests.Unit.Drill;

/// <summary>The operator commands' client against a stand-in control plane: ids, errors in the operator's words, following a saga.</summary>
public sealed class ControlPlaneClientTests
{
    private static readonly Guid Id = Guid.Parse("7d1f0c2e-0000-4000-8000-000000000001");

    [Fact]
    public async Task Switchover_Accepted_ReturnsTheFailoverId_AndSendsTheTarget()
    {
        await using var cp = new FakeControlPlane((_, _) => (202, $$"""{"failoverId":"{{Id}}"}"""));
        using var client = new ControlPlaneClient(cp.Url);

        (await client.SwitchoverAsync("node2", CancellationToken.None)).ShouldBe(Id);

        cp.Requests.ShouldHaveSingleItem().ShouldBe("""POST /api/switchover {"target":"node2"}""");
    }

    [Fact]
    public async Task EveryCall_SendsTheTokenAsBearer_AndPostsJson()
    {
        await using var cp = new FakeControlPlane((_, _) => (200, "{}"));
        using var client = new ControlPlaneClient(cp.Url, token: "t0ken-of-the-operator-0123456789abcdef");

        await client.GetAsync("api/cluster", CancellationToken.None);
        await client.PostAsync("api/retention/apply", CancellationToken.None);

        cp.Headers.Select(h => h.Authorization).ShouldBe(["Bearer t0ken-of-the-operator-0123456789abcdef", "Bearer t0ken-of-the-operator-0123456789abcdef"]);
        cp.Headers[1].ContentType.ShouldNotBeNull().ShouldStartWith("application/json");
        cp.Requests[1].ShouldBe("POST /api/retention/apply {}");
    }

    [Fact]
    public async Task Promote_SendsForceTrue()
    {
        await using var cp = new FakeControlPlane((_, _) => (202, $$"""{"failoverId":"{{Id}}"}"""));
        using var client = new ControlPlaneClient(cp.Url);

        await client.PromoteAsync("node3", force: true, CancellationToken.None);

        cp.Requests.ShouldHaveSingleItem().ShouldBe("""POST /api/promote {"node":"node3","force":true}""");
    }

    [Fact]
    public async Task Refused_WithJsonError_TheMessageCarriesItAndTheStatus()
    {
        await using var cp = new FakeControlPlane((_, _) => (409, """{"error":"a failover is already running"}"""));
        using var client = new ControlPlaneClient(cp.Url);

        var e = await Should.ThrowAsync<ControlPlaneException>(() => client.SwitchoverAsync("node2", CancellationToken.None));

        e.Message.ShouldContain("409");
        e.Message.ShouldContain("a failover is already running");
        e.Status.ShouldBe(System.Net.HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Accepted_WithoutFailoverId_IsAnError()
    {
        await using var cp = new FakeControlPlane((_, _) => (202, "{}"));
        using var client = new ControlPlaneClient(cp.Url);

        (await Should.ThrowAsync<ControlPlaneException>(() => client.SwitchoverAsync("node2", CancellationToken.None))).Message.ShouldContain("no failoverId");
    }

    [Fact]
    public async Task ControlPlaneDown_SaysItIsNotAnswering()
    {
        using var client = new ControlPlaneClient($"http://127.0.0.1:{FakeControlPlane.FreePort()}");

        var e = await Should.ThrowAsync<ControlPlaneException>(() => client.ReenrollAsync("node1", CancellationToken.None));

        e.Message.ShouldContain("not answering");
        e.Status.ShouldBeNull();
    }

    [Fact]
    public async Task UnknownFailover_IsNull_NotAnError()
    {
        await using var cp = new FakeControlPlane((_, _) => (404, """{"error":"no such failover"}"""));
        using var client = new ControlPlaneClient(cp.Url);

        (await client.GetFailoverAsync(Id, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task Follow_PrintsEachEventOnce_InOrder_UntilCompleted()
    {
        var polls = 0;
        string[] steps =
        [
            """{"failover":{"state":"Promoting"},"events":[{"type":"FailoverStarted"}]}""",
            """{"failover":{"state":"Rebasing"},"events":[{"type":"FailoverStarted"},{"type":"MasterPromoted","nodeId":"node2"}]}""",
            """{"failover":{"state":"Completed"},"events":[{"type":"FailoverStarted"},{"type":"MasterPromoted","nodeId":"node2"},{"type":"FailoverCompleted"}]}""",
        ];
        await using var cp = new FakeControlPlane((_, _) =>
        {
            var n = Interlocked.Increment(ref polls);
            return n == 1 ? (404, "") : (200, steps[Math.Min(n - 2, steps.Length - 1)]);
        });
        using var client = new ControlPlaneClient(cp.Url);
        var lines = new List<string>();

        var state = await FailoverFollower.FollowAsync(client, Id, lines.Add, TimeSpan.FromSeconds(10), CancellationToken.None);

        state.ShouldBe("Completed");
        lines.Where(l => !l.Contains("state:")).Select(l => l.Trim()).ShouldBe(["FailoverStarted", "MasterPromoted nodeId=node2", "FailoverCompleted"]);
        lines.Count(l => l.Contains("state:")).ShouldBe(3);
    }

    [Fact]
    public async Task Follow_IsBounded_WhenTheSagaNeverEnds()
    {
        await using var cp = new FakeControlPlane((_, _) => (200, """{"failover":{"state":"Rebasing"},"events":[]}"""));
        using var client = new ControlPlaneClient(cp.Url);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var state = await FailoverFollower.FollowAsync(client, Id, _ => { }, TimeSpan.FromSeconds(1), CancellationToken.None);

        state.ShouldBe("Rebasing");
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3));
    }
}
