using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.NodeAgent.Failover;

namespace Conjur.EventSourced.Tests.Unit.Failover;

/// <summary>What a standby's end-of-cycle status write keeps of its failover report.</summary>
public sealed class StatusRefreshTests
{
    private static NodeStatusRecord Status(long? position, long? term, string? sync = null) =>
        new("standby", position is not null, true, 1, position, position, position, DateTimeOffset.UtcNow, sync, term);

    [Fact]
    public void WhileAMasterLeads_TheFreshStatusIsWrittenAsIs()
    {
        var fresh = Status(100, term: null);

        FailoverRace.Refreshed(fresh, Status(200, 7, "node2"), "node2").ShouldBe(fresh);
    }

    [Fact]
    public void ReportingForATerm_KeepsTheSyncStandbyItRemembers()
    {
        // The probe of a detached standby names no synchronous standby: the report's name must survive the refresh.
        FailoverRace.Refreshed(Status(100, 7), Status(100, 7, "node3"), "node3").SyncStandby.ShouldBe("node3");
    }

    [Fact]
    public void ProbeOlderThanTheReport_DoesNotTakeBackThePositionReported()
    {
        // The cycle probed before its catch-up (or its Postgres died since): the report's position stands.
        var refreshed = FailoverRace.Refreshed(Status(100, 7), Status(120, 7, "node2"), "node2");

        refreshed.ReceivePosition.ShouldBe(120);
        FailoverRace.Refreshed(Status(null, 7), Status(120, 7, "node2"), "node2").ReceivePosition.ShouldBe(120);
    }

    [Fact]
    public void ReportOfAnEarlierTerm_CountsForNothing()
    {
        FailoverRace.Refreshed(Status(100, 8), Status(120, 7, "node2"), "node2").ReceivePosition.ShouldBe(100);
    }
}
