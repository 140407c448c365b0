using Conjur.EventSourced.Cli.Drill;

namespace Conjur.EventSourced.Tests.Unit.Drill;

public sealed class WriteOutageTests
{
    private static List<TimeSpan> Ms(params double[] ms) => ms.Select(TimeSpan.FromMilliseconds).ToList();

    [Fact]
    public void MasterKilled_OutageIsTheGapBetweenLastAckBeforeAndFirstAckAfter()
    {
        var o = WriteOutage.Compute(Ms(100, 110, 120, 4120, 4125, 4130), fault: TimeSpan.FromMilliseconds(125));

        o.LastBefore.ShouldBe(TimeSpan.FromMilliseconds(120));
        o.FirstAfter.ShouldBe(TimeSpan.FromMilliseconds(4120));
        o.Length.ShouldBe(TimeSpan.FromMilliseconds(4000));
        o.ResumedAfterFault.ShouldBe(TimeSpan.FromMilliseconds(3995));
    }

    [Fact]
    public void HungMasterStillAcksAfterTheFault_OutageIsTheLongestGapThatFollows()
    {
        // Writes go on for 300 ms after the fault (frozen agent, Postgres alive), then stop for 3 s.
        var o = WriteOutage.Compute(Ms(90, 100, 150, 250, 400, 3400, 3410), fault: TimeSpan.FromMilliseconds(100));

        o.FirstAfter.ShouldBe(TimeSpan.FromMilliseconds(150));
        o.OutageStart.ShouldBe(TimeSpan.FromMilliseconds(400));
        o.ResumedAt.ShouldBe(TimeSpan.FromMilliseconds(3400));
        o.Length.ShouldBe(TimeSpan.FromMilliseconds(3000));
        o.ResumedAfterFault.ShouldBe(TimeSpan.FromMilliseconds(3300));
    }

    [Fact]
    public void WritesNeverResume_NoLengthNoResumption()
    {
        var o = WriteOutage.Compute(Ms(10, 20), fault: TimeSpan.FromMilliseconds(25));

        o.LastBefore.ShouldBe(TimeSpan.FromMilliseconds(20));
        o.FirstAfter.ShouldBeNull();
        o.Length.ShouldBeNull();
        o.ResumedAfterFault.ShouldBeNull();
    }

    [Fact]
    public void WritesTrickleOnThenStopUntilTheWriterStops_OutageIsOpen()
    {
        // The frozen master's Postgres acks for a second more, then the load balancer cuts it off for good.
        var o = WriteOutage.Compute(Ms(90, 100, 1000, 1360), fault: TimeSpan.FromMilliseconds(100), end: TimeSpan.FromMilliseconds(20_000));

        o.FirstAfter.ShouldBe(TimeSpan.FromMilliseconds(1000));
        o.OutageStart.ShouldBe(TimeSpan.FromMilliseconds(1360));
        o.ResumedAt.ShouldBeNull();
        o.Length.ShouldBeNull();
    }

    [Fact]
    public void WriterStopsShortlyAfterWritesResumed_TheOutageIsStillTheGapBeforeThem()
    {
        var o = WriteOutage.Compute(Ms(100, 3100, 3110), fault: TimeSpan.FromMilliseconds(100), end: TimeSpan.FromMilliseconds(4000));

        o.ResumedAt.ShouldBe(TimeSpan.FromMilliseconds(3100));
        o.Length.ShouldBe(TimeSpan.FromMilliseconds(3000));
    }

    [Fact]
    public void NoAckBeforeTheFault_OutageCountsFromTheFault()
    {
        var o = WriteOutage.Compute(Ms(600, 610), fault: TimeSpan.FromMilliseconds(100));

        o.LastBefore.ShouldBeNull();
        o.Length.ShouldBe(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void AckExactlyAtTheFault_CountsAsBefore()
    {
        var o = WriteOutage.Compute(Ms(100, 900), fault: TimeSpan.FromMilliseconds(100));

        o.LastBefore.ShouldBe(TimeSpan.FromMilliseconds(100));
        o.Length.ShouldBe(TimeSpan.FromMilliseconds(800));
    }

    [Fact]
    public void UnorderedAcks_AreRejected()
    {
        Should.Throw<ArgumentException>(() => WriteOutage.Compute(Ms(10, 5), TimeSpan.Zero));
    }
}
