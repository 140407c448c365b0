using System.Text.Json;
using Conjur.EventSourced.Cli.ControlPlaneApi;
using Conjur.EventSourced.Cli.Failovers;

namespace Conjur.EventSourced.Tests.Unit.Drill;

/// <summary>The CLI reads the failover saga's document tolerantly: the shape is being built alongside.</summary>
public sealed class FailoverDocumentTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void StateAndEvents_AreRead()
    {
        var doc = Json("""{"failover":{"state":"Rebasing"},"events":[{"type":"MasterPromoted","at":"2025-01-01T10:00:01.250Z","nodeId":"node2","timeline":2}]}""");

        FailoverDocument.State(doc).ShouldBe("Rebasing");
        FailoverDocument.IsFinal("Rebasing").ShouldBeFalse();
        FailoverDocument.IsCompleted("completed").ShouldBeTrue();
        FailoverDocument.IsFailed("Failed").ShouldBeTrue();
        FailoverDocument.Describe(FailoverDocument.Events(doc)[0]).ShouldBe("10:00:01.250 MasterPromoted nodeId=node2 timeline=2");
    }

    [Fact]
    public void MissingFields_AreTolerated()
    {
        var doc = Json("""{"id":"x"}""");

        FailoverDocument.State(doc).ShouldBeNull();
        FailoverDocument.Events(doc).ShouldBeEmpty();
        FailoverDocument.Describe(Json("""{"eventType":"StandbyRebased","data":{"nodeId":"node3","method":"followed"}}"""))
            .ShouldBe("StandbyRebased nodeId=node3 method=followed");
    }

    [Fact]
    public void ErrorDetail_ShowsTheControlPlanesJsonError()
    {
        ControlPlaneClient.Detail("""{"error":"node9 is not a member"}""").ShouldStartWith(": node9 is not a member");
        ControlPlaneClient.Detail("not json").ShouldBe(": not json");
        ControlPlaneClient.Detail("").ShouldBe("");
    }

    [Fact]
    public void FailoverList_IsReadFromAnArrayOrAnObject()
    {
        FailoversCommand.Rows(Json("""[{"failoverId":"a"},{"failoverId":"b"}]""")).Count.ShouldBe(2);
        FailoversCommand.Rows(Json("""{"failovers":[{"failoverId":"a"}]}""")).Count.ShouldBe(1);
        FailoversCommand.Rows(null).ShouldBeEmpty();
    }
}
